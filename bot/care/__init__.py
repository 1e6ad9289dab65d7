"""The shell around the core's care decisions: enrolment, scheduling, verdicts, alerts, export and the chart."""
