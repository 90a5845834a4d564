"""The assurance pack: a page for the people who approve a deployment, drawn from its plan."""
