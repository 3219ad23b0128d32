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
    # Adds the loss tensor: the float it returns is right, but every batch's graph stays alive.
    "train-accumulates-loss-tensor": {
        "replace": {
            "ex1-train-one-epoch": """def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss * len(y)
        count += len(y)
    return float(total / count)
""",
        },
        "loses": ["ex1-train-one-epoch-test"],
    },
    # F1 without a guard: fine until precision and recall are both 0.
    "f1-unguarded": {
        "replace": {
            "ex4-precision-recall-f1": """def precision_recall_f1(y_true, y_pred, positive=1):
    t = torch.as_tensor(y_true) == positive
    p = torch.as_tensor(y_pred) == positive
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall)
    return float(precision), float(recall), float(f1)
""",
        },
        "loses": ["ex4-precision-recall-f1-test"],
    },
    # Precision guarded with TP instead of TP + FP: 0.0 whenever there is no hit.
    "precision-guard-on-tp": {
        "replace": {
            "ex4-precision-recall-f1": """def precision_recall_f1(y_true, y_pred, positive=1):
    t = torch.as_tensor(y_true) == positive
    p = torch.as_tensor(y_pred) == positive
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    precision = tp / (tp + fp) if tp > fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)
""",
        },
        "loses": ["ex4-precision-recall-f1-test"],
    },
    # Calls the library instead of writing the metric: scikit-learn is imported at the top.
    "balanced-accuracy-calls-sklearn": {
        "replace": {
            "ex7-balanced-accuracy": """def balanced_accuracy(y_true, y_pred):
    return float(balanced_accuracy_score(y_true, y_pred))
""",
        },
        "loses": ["ex7-balanced-accuracy-test"],
    },
    # The same, under another name.
    "prf-calls-sklearn-renamed": {
        "replace": {
            "ex4-precision-recall-f1": """from sklearn.metrics import precision_recall_fscore_support as prfs


def precision_recall_f1(y_true, y_pred, positive=1):
    p, r, f, _ = prfs(y_true, y_pred, average="binary", pos_label=positive, zero_division=0)
    return float(p), float(r), float(f)
""",
        },
        "loses": ["ex4-precision-recall-f1-test"],
    },
    # Rebinds the loop variable v: the caller's velocities stay zero, so every step is plain
    # SGD. One step matches torch.optim.SGD; five do not.
    "momentum-rebinds-velocity": {
        "replace": {
            "ex1b-momentum-step": """def momentum_step(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            v = momentum * v + p.grad
            p -= lr * v
""",
        },
        "loses": ["ex1b-momentum-step-test"],
    },
    "quiz-q1-wrong": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "a"\nq3 = "c"\nq4 = "b"\n'},
        "loses": ["quiz-q1-test"],
    },
    "quiz-q3-wrong": {
        "replace": {"quiz-answers": 'q1 = "d"\nq2 = "a"\nq3 = "d"\nq4 = "b"\n'},
        "loses": ["quiz-q3-test"],
    },
    # The accuracy paradox itself: 98% accuracy taken at face value.
    "quiz-q4-wrong": {
        "replace": {"quiz-answers": 'q1 = "d"\nq2 = "a"\nq3 = "c"\nq4 = "a"\n'},
        "loses": ["quiz-q4-test"],
    },
    # Recall 1.0 when there is no positive sample (0 / 0): the exercise says 0.0.
    "recall-one-without-positives": {
        "replace": {
            "ex6-thresholds": """def precision_recall_at(y_true, scores, thresholds):
    y_true, scores = torch.as_tensor(y_true), torch.as_tensor(scores)
    precisions, recalls = [], []
    for t in thresholds:
        pred = scores >= t
        tp = int((pred & (y_true == 1)).sum())
        flagged, actual = int(pred.sum()), int((y_true == 1).sum())
        precisions.append(tp / flagged if flagged else 0.0)
        recalls.append(tp / actual if actual else 1.0)
    return precisions, recalls
""",
        },
        "loses": ["ex6-thresholds-test"],
    },
}

# Right answers written differently from the reference, one per exercise.
_ALTERNATIVES = {
    # zero_grad after step (lesson 06 says anywhere between step() and the next backward()),
    # and a detached tensor as the running total.
    "train-zero-grad-after-step": {
        "replace": {
            "ex1-train-one-epoch": """def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    optimizer.zero_grad()
    total = torch.tensor(0.0)
    n = 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.detach() * y.shape[0]
        n += y.shape[0]
    return (total / n).item()
""",
        },
    },
    # inference_mode, and predictions collected first then compared once.
    "evaluate-inference-mode-concat": {
        "replace": {
            "ex2-evaluate": """def evaluate(model, loader, loss_fn):
    model.eval()
    all_logits, all_y = [], []
    with torch.inference_mode():
        for X, y in loader:
            all_logits.append(model(X))
            all_y.append(y)
        logits, y = torch.cat(all_logits), torch.cat(all_y)
        loss = loss_fn(logits, y).item()
        acc = (logits.argmax(dim=1) == y).float().mean().item()
    return float(loss), float(acc)
""",
        },
    },
    # A plain loop over pairs instead of boolean masks.
    "confusion-loop": {
        "replace": {
            "ex3-confusion-counts": """def confusion_counts(y_true, y_pred, positive=1):
    y_true, y_pred = list(torch.as_tensor(y_true).tolist()), list(torch.as_tensor(y_pred).tolist())
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred must have the same length")
    counts = {"TP": 0, "FP": 0, "TN": 0, "FN": 0}
    for t, p in zip(y_true, y_pred):
        key = ("T" if (t == positive) == (p == positive) else "F") + ("P" if p == positive else "N")
        counts[key] += 1
    return counts
""",
        },
    },
    # Tensor arithmetic with a small epsilon-free guard via max(..., 1).
    "prf-max-guard": {
        "replace": {
            "ex4-precision-recall-f1": """def precision_recall_f1(y_true, y_pred, positive=1):
    t = torch.as_tensor(y_true) == positive
    p = torch.as_tensor(y_pred) == positive
    tp = (t & p).sum().item()
    precision = tp / max(p.sum().item(), 1)
    recall = tp / max(t.sum().item(), 1)
    f1 = 0.0 if tp == 0 else 2 * tp / (p.sum().item() + t.sum().item())
    return float(precision), float(recall), float(f1)
""",
        },
    },
    # Reuses precision_recall_f1 of Exercise 4 for every class.
    "per-class-reuses-ex4": {
        "replace": {
            "ex5-per-class": """def per_class_metrics(y_true, y_pred, num_classes):
    rows = [precision_recall_f1(y_true, y_pred, positive=c) for c in range(num_classes)]
    return {name: [row[i] for row in rows] for i, name in enumerate(["precision", "recall", "f1"])}
""",
        },
    },
    # Reuses confusion_counts of Exercise 3 at every threshold, with numpy input.
    "thresholds-reuse-counts": {
        "replace": {
            "ex6-thresholds": """def precision_recall_at(y_true, scores, thresholds):
    precisions, recalls = [], []
    for t in thresholds:
        c = confusion_counts(y_true, (torch.as_tensor(scores) >= t).long(), positive=1)
        precisions.append(c["TP"] / (c["TP"] + c["FP"]) if c["TP"] + c["FP"] else 0.0)
        recalls.append(c["TP"] / (c["TP"] + c["FN"]) if c["TP"] + c["FN"] else 0.0)
    return precisions, recalls
""",
        },
    },
    # A confusion matrix built with bincount; the recall is its diagonal over its row sums.
    "balanced-accuracy-bincount": {
        "replace": {
            "ex7-balanced-accuracy": """def balanced_accuracy(y_true, y_pred):
    y_true, y_pred = torch.as_tensor(y_true), torch.as_tensor(y_pred)
    k = int(max(y_true.max(), y_pred.max())) + 1
    cm = torch.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k).double()
    support = cm.sum(dim=1)
    present = support > 0
    return (cm.diag()[present] / support[present]).mean().item()
""",
        },
    },
    # std_mean in one call and clamp instead of where; a flag instead of None.
    "standardizer-std-mean": {
        "replace": {
            "ex8-standardizer": """class Standardizer:
    fitted = False

    def fit(self, X):
        std, mean = torch.std_mean(torch.as_tensor(X).float(), dim=0, correction=0)
        self.mean, self.std = mean, torch.where(std > 0, std, 1.0)
        self.fitted = True
        return self

    def transform(self, X):
        if not self.fitted:
            raise RuntimeError("Standardizer: call fit first")
        return (torch.as_tensor(X).float() - self.mean) / self.std
""",
        },
    },
    # New velocity tensors put back into the caller's list, instead of in-place updates.
    "momentum-list-items": {
        "replace": {
            "ex1b-momentum-step": """def momentum_step(params, velocities, lr, momentum):
    for i, p in enumerate(params):
        velocities[i] = momentum * velocities[i] + p.grad
        with torch.no_grad():
            p.sub_(lr * velocities[i])
""",
        },
    },
    "quiz-one-line": {
        "replace": {"quiz-answers": 'q1, q2, q3, q4 = "d", "a", "c", "b"\n'},
    },
}


def _merge(*specs):
    """One submission made of several answers (each replaces a different cell)."""
    replace = {}
    for spec in specs:
        clash = set(replace) & set(spec["replace"])
        if clash:
            raise ValueError(f"two answers replace the same cell: {clash}")
        replace.update(spec["replace"])
    return {"replace": replace}


# Every alternative in one submission (grading a notebook is what costs time): full marks.
CORRECT = {"every-exercise-written-differently": _merge(*_ALTERNATIVES.values())}
