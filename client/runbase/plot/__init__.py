"""W&B's custom chart presets (`wandb.plot.*`): each returns a CustomChart, a Table plus the Vega spec that
draws it in the UI, for `run.log({key: chart})`. Importing this needs none of the optional libraries; the
classifier charts ask for numpy and scikit-learn when called."""

from .charts import bar, histogram, line, line_series, scatter
from .classifiers import confusion_matrix, pr_curve, roc_curve
from .custom_chart import CustomChart, plot_table

__all__ = ["CustomChart", "bar", "confusion_matrix", "histogram", "line", "line_series", "plot_table", "pr_curve",
           "roc_curve", "scatter"]
