"""The caseworker's workspace: caseload, conversation records, summaries, visitation, JobMatch."""
