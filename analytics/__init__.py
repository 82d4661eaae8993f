"""Analytics: cookieless readership, rollups, revenue, the strategy's indicators and the maturity index.

Depends on `newsroom` and `distribution` (channel figures). Not yet installed as an app: it joins
INSTALLED_APPS with its first models.
"""
