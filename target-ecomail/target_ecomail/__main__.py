"""`python -m target_ecomail` runs the target."""

from target_ecomail.target import TargetEcomail

TargetEcomail.cli()
