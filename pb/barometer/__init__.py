"""The barometer: indicators of an edition computed from pb's own records (never typed in),
the staff's declarative questionnaire, the versioned export (schema pb-barometer/1), the
aggregation of many territories' exports, the open-data page and the dashboard.
docs/indicators.md defines every indicator."""
