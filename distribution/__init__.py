"""Distribution: channels, platform adapters, the delivery outbox and its worker, feeds and the ninjs API.

Depends on `newsroom` (stories) and `archive` (renditions in payloads). Not yet installed as an app:
it joins INSTALLED_APPS with its first models.
"""
