"""What can go wrong with an upstream (a provider, a runtime)."""


class UpstreamUnavailable(Exception):
    """The provider could not be reached or timed out: nothing was served, nothing is charged."""


class UpstreamBroken(UpstreamUnavailable):
    """The provider started answering and broke off: nothing usable was served, nothing is charged."""
