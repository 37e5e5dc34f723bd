"""`python -m target_rfmcube` runs the target."""

from target_rfmcube.target import TargetRfmcube

TargetRfmcube.cli()
