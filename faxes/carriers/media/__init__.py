"""The signed, expiring links cloud carriers fetch outbound documents from."""
