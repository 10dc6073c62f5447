"""The steering group's success criteria: KPIs, their SQL and summary, outcomes and benefit history."""
