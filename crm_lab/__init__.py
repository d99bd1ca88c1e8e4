"""crm-lab: CRM theory for exhibition businesses, as runnable notebooks.

The helper package behind the notebooks: a simulated exhibition market with
known truth (:mod:`crm_lab.simulate`), validated datasets
(:mod:`crm_lab.datasets`), statistics and plots shared by the topic notebooks,
and the tooling that runs them.
"""

__version__ = "0.1.0"

from .datasets import DataValidationError, connect, load, load_all, load_truth
from .simulate import Market, MarketParams, Truth, simulate_market

__all__ = [
    "DataValidationError",
    "Market",
    "MarketParams",
    "Truth",
    "connect",
    "load",
    "load_all",
    "load_truth",
    "simulate_market",
]
