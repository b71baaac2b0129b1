"""W&B's module layout (`wandb.apis.public`), so imports from W&B code keep working."""
