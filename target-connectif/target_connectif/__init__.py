"""target-connectif: a Singer target loading e-commerce data into Connectif."""
