"""Building plugins: checking a plugin module and turning it into a component (`witgen build`)."""
