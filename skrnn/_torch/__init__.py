"""PyTorch modules and what they need: the recurrent and encoder-decoder modules,
initial weights, losses, per-fit random generators. No skorch, no scikit-learn."""
