"""Is a synthetic table useful, faithful, and private? The three checks of issue #19 (taught in 10_beyond_images.ipynb).

- **fidelity**: ``correlation_gap``, the mean absolute difference between the real and synthetic correlation
  matrices (off-diagonal), 0 when the pairwise structure is kept;
- **utility**: ``train_synthetic_test_real``, a standard classifier trained on one table and tested on real
  held-out rows (accuracy and ROC AUC): train-on-synthetic against train-on-real;
- **privacy**: ``distance_to_closest_record`` (DCR) of each row to the real training rows, compared for
  synthetic rows and for real rows the generator never saw; and ``membership_inference_auc``, an attacker who
  calls a record a training member when some synthetic row lies close to it. AUC 0.5: the synthetic data says
  nothing about who was in the training set; 1.0: it gives them away (a generator that copies its data).

Distances are Euclidean after scaling every column by the real training rows' mean and standard deviation.
"""
import numpy as np


def _scaler(reference):
    reference = np.asarray(reference, "float64")
    mean, std = reference.mean(axis=0), reference.std(axis=0)
    return lambda x: (np.asarray(x, "float64") - mean) / np.where(std > 0, std, 1.0)


def correlation_gap(real, synthetic):
    """Mean |corr_real − corr_synthetic| over the off-diagonal pairs of columns."""
    a, b = np.corrcoef(np.asarray(real, "float64"), rowvar=False), np.corrcoef(np.asarray(synthetic, "float64"), rowvar=False)
    if a.shape != b.shape:
        raise ValueError(f"the tables have different numbers of columns: {a.shape[0]} and {b.shape[0]}.")
    upper = np.triu_indices_from(a, k=1)
    return float(np.nanmean(np.abs(a - b)[upper]))


def distance_to_closest_record(rows, training_rows):
    """For each row, the Euclidean distance to its nearest training row (columns scaled by the training rows)."""
    from sklearn.neighbors import NearestNeighbors

    scale = _scaler(training_rows)
    index = NearestNeighbors(n_neighbors=1).fit(scale(training_rows))
    return index.kneighbors(scale(rows))[0][:, 0]


def membership_inference_auc(members, non_members, synthetic):
    """AUC of the attack "a record is a member if a synthetic row is close to it": the score of a record is
    minus its distance to the closest synthetic row; members are the generator's training rows, non-members
    real rows it never saw. Columns are scaled by the members' statistics."""
    from sklearn.metrics import roc_auc_score
    from sklearn.neighbors import NearestNeighbors

    scale = _scaler(members)
    index = NearestNeighbors(n_neighbors=1).fit(scale(synthetic))
    candidates = np.concatenate([np.asarray(members, "float64"), np.asarray(non_members, "float64")])
    distances = index.kneighbors(scale(candidates))[0][:, 0]
    truth = np.concatenate([np.ones(len(members)), np.zeros(len(non_members))])
    return float(roc_auc_score(truth, -distances))


def train_synthetic_test_real(train_x, train_y, test_x, test_y, seed=0):
    """Accuracy and ROC AUC on (test_x, test_y) of a scaled logistic regression trained on (train_x, train_y)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(np.unique(train_y)) < 2:
        raise ValueError("the training table has a single class: a classifier cannot learn from it.")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed)).fit(train_x, train_y)
    scores = model.predict_proba(test_x)[:, 1]
    return {"accuracy": float(accuracy_score(test_y, scores >= 0.5)), "roc_auc": float(roc_auc_score(test_y, scores))}
