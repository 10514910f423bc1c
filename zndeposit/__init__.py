"""zndeposit."""
