"""Chat adapters: render engine results for a platform; they know no model."""
