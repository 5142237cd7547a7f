"""darkroom: a self-hosted image service speaking the Procore, Moov and Cyclos image APIs."""

__version__ = "0.1.0"
