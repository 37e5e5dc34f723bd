"""The API key the Ecomail tests give their sandboxes."""

KEY = "ecm-test-key-51b2e8d0"
