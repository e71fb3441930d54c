"""The local CloudWatch Logs: moto's storage, with logai's own faithful filter
patterns, Logs Insights, quotas and seeded incidents served on the same endpoint."""
