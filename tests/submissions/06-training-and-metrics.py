"""Wrong-but-plausible submissions of lesson 06: each must lose exactly its exercise."""

VARIANTS = {
    # The classic: no optimizer.zero_grad(), so gradients of earlier steps pile up.
    "train-forgets-zero-grad": {
        "replace": {
            "ex1-train-one-epoch": """def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count
""",
        },
        "loses": ["ex1-train-one-epoch-test"],
    },
    # Averages the batch means: right on one batch, wrong when the last batch is smaller.
    "train-averages-batch-means": {
        "replace": {
            "ex1-train-one-epoch": """def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for X, y in loader:
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
""",
        },
        "loses": ["ex1-train-one-epoch-test"],
    },
    # Uses no_grad but never switches the model to eval mode.
    "evaluate-without-eval": {
        "replace": {
            "ex2-evaluate": """def evaluate(model, loader, loss_fn):
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for X, y in loader:
            logits = model(X)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
""",
        },
        "loses": ["ex2-evaluate-test"],
    },
    "confusion-fp-fn-swapped": {
        "replace": {
            "ex3-confusion-counts": """def confusion_counts(y_true, y_pred, positive=1):
    y_true, y_pred = torch.as_tensor(y_true), torch.as_tensor(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred differ in length")
    t, p = y_true == positive, y_pred == positive
    return {"TP": int((t & p).sum()), "FP": int((t & ~p).sum()),
            "TN": int((~t & ~p).sum()), "FN": int((~t & p).sum())}
""",
        },
        "loses": ["ex3-confusion-counts-test"],
    },
    "precision-recall-swapped": {
        "replace": {
            "ex4-precision-recall-f1": """def precision_recall_f1(y_true, y_pred, positive=1):
    t = torch.as_tensor(y_true) == positive
    p = torch.as_tensor(y_pred) == positive
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    precision = tp / (tp + fn) if tp + fn else 0.0
    recall = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)
""",
        },
        "loses": ["ex4-precision-recall-f1-test"],
    },
    "f1-arithmetic-mean": {
        "replace": {
            "ex4-precision-recall-f1": """def precision_recall_f1(y_true, y_pred, positive=1):
    t = torch.as_tensor(y_true) == positive
    p = torch.as_tensor(y_pred) == positive
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return float(precision), float(recall), float((precision + recall) / 2)
""",
        },
        "loses": ["ex4-precision-recall-f1-test"],
    },
    # No guard against a zero denominator: fine until a class is never predicted.
    "per-class-divides-by-zero": {
        "replace": {
            "ex5-per-class": """def per_class_metrics(y_true, y_pred, num_classes):
    y_true, y_pred = torch.as_tensor(y_true), torch.as_tensor(y_pred)
    report = {"precision": [], "recall": [], "f1": []}
    for c in range(num_classes):
        tp = int(((y_true == c) & (y_pred == c)).sum())
        p = tp / int((y_pred == c).sum())
        r = tp / int((y_true == c).sum())
        report["precision"].append(p)
        report["recall"].append(r)
        report["f1"].append(2 * p * r / (p + r) if p + r else 0.0)
    return report
""",
        },
        "loses": ["ex5-per-class-test"],
    },
    "threshold-strictly-greater": {
        "replace": {
            "ex6-thresholds": """def precision_recall_at(y_true, scores, thresholds):
    y_true, scores = torch.as_tensor(y_true), torch.as_tensor(scores)
    precisions, recalls = [], []
    for t in thresholds:
        pred = scores > t
        tp = int((pred & (y_true == 1)).sum())
        precisions.append(tp / int(pred.sum()) if pred.any() else 0.0)
        recalls.append(tp / int((y_true == 1).sum()))
    return precisions, recalls
""",
        },
        "loses": ["ex6-thresholds-test"],
    },
    # Plain accuracy under another name: exactly what the accuracy paradox warns about.
    "balanced-accuracy-is-plain-accuracy": {
        "replace": {
            "ex7-balanced-accuracy": """def balanced_accuracy(y_true, y_pred):
    y_true, y_pred = torch.as_tensor(y_true), torch.as_tensor(y_pred)
    return (y_true == y_pred).float().mean().item()
""",
        },
        "loses": ["ex7-balanced-accuracy-test"],
    },
    # Leakage: transform standardises every set with its own statistics.
    "standardizer-refits-on-test": {
        "replace": {
            "ex8-standardizer": """class Standardizer:
    def fit(self, X):
        self.mean = X.mean(dim=0)
        self.std = X.std(dim=0, correction=0)
        return self

    def transform(self, X):
        return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)
""",
        },
        "loses": ["ex8-standardizer-test"],
    },
    "quiz-q3-wrong": {
        "replace": {"quiz-answers": 'q1 = "b"\nq2 = "c"\nq3 = "a"\n'},
        "loses": ["quiz-q3-test"],
    },
}
