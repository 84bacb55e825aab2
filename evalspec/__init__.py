"""evalspec: eval-as-code for Datalab document pipelines."""

__version__ = "0.1.0"
