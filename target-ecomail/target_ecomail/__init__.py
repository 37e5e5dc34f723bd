"""target-ecomail: a Singer target loading e-commerce data into Ecomail (API v2)."""
