"""`python -m target_connectif` runs the target."""

from target_connectif.target import TargetConnectif

TargetConnectif.cli()
