"""SignalWire: transport, callback views, signature check and URLs."""
