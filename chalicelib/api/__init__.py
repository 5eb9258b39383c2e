"""HTTP routes: thin blueprints over the domain modules."""
