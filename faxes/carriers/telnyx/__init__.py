"""Telnyx: transport, webhook views, signature check and URLs."""
