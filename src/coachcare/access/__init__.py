"""Access control: the one place that decides who may see which data of which client.

Views, API endpoints, exports, admin pages and commands call ``coachcare.access.policy``; none of
them decides access on its own. See docs/security.md for the rules in words.
"""
