"""incentives: exact, traceable subsidy calculations under Chinese local industrial policies."""

__version__ = "0.1.0"
