"""The staff browser UI, one module per page or area (urls in faxes/urls.py)."""
