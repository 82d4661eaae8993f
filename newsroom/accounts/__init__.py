"""Accounts: two-factor sign-in (TOTP, with recovery codes) enforceable per agency, lockout after failed
sign-ins, the password policy and session expiry.

`two_factor` says who must confirm a sign-in and whether a session has (`required_for`, `enforced_agencies`,
`is_satisfied`); `services` sets up, checks and removes the second factor; `lockout` ties failed sign-ins
and codes to django-axes; `sessions` ends idle and overlong sessions; `middleware` applies both to each
request."""
