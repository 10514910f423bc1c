"""Case files: schema, loading, presets, derived quantities, checks (no DOLFINx)."""
