"""Singer target loading customers and orders into Rfmcube (RFM analysis)."""
