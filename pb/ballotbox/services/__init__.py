"""The ballot box services, one module per part:

- stations: stations, opening windows, officers, keys, opening and closing
- signin: the desk's lookup and sign-in, offline sign-in lists and their collisions
- reports: the procès-verbal, double entry, sign-off, amendment by an administrator
- reconcile: station by station and per district, with the margin (pb/ballotbox/margin.py)
"""
