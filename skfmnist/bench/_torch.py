"""Contender ``torch``: a plain PyTorch loop of the same model and recipe."""

import copy

import torch
from torch import nn

from ._data import scaled, train_validation

NOTES = (
    "nn.Sequential(Linear, LeakyReLU(0.1), Dropout(0.3), Linear) with he-normal/Glorot "
    "initialisation, Adam(1e-3), DataLoader(batch_size=64, shuffle=True), "
    "ReduceLROnPlateau(mode='max', factor=0.5, patience=5, min_lr=1e-6) and early stopping "
    "(patience 30, best weights restored) on validation accuracy; PyTorch's default threads."
)


def _accuracy(model, X, y):
    model.eval()
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
    model.train()
    return accuracy


def fit(data, *, epochs, seed, clock):
    """Train and return ``(predict, info)``; ``predict()`` labels the test images."""
    X_train, y_train, X_val, y_val = map(torch.from_numpy, train_validation(data))
    X_test, y_test = torch.from_numpy(scaled(data.X_test)), torch.from_numpy(data.y_test)
    # The first optimiser of a process imports torch._dynamo (seconds): a one-off import,
    # like TensorFlow's for the other contenders, kept off the fit's clock.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    clock.begin_fit()
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.LeakyReLU(0.1), nn.Dropout(0.3), nn.Linear(256, 10)
    )
    nn.init.kaiming_normal_(model[0].weight, nonlinearity="relu")
    nn.init.zeros_(model[0].bias)
    nn.init.xavier_uniform_(model[3].weight)
    nn.init.zeros_(model[3].bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="max", factor=0.5, patience=5, min_lr=1e-6
    )
    loss_fn = nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X_train, y_train), batch_size=64, shuffle=True
    )
    best_accuracy, best_state, waited = -1.0, None, 0
    for _ in range(epochs):
        clock.start_epoch()
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            loss_fn(model(X_batch), y_batch).backward()
            optimizer.step()
        val_accuracy = _accuracy(model, X_val, y_val)
        scheduler.step(val_accuracy)
        if val_accuracy > best_accuracy:
            best_accuracy, best_state, waited = val_accuracy, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
        clock.end_epoch(lambda: _accuracy(model, X_test, y_test))
        if waited >= 30:
            break
    model.load_state_dict(best_state)
    model.eval()

    def predict():
        with torch.no_grad():
            return model(X_test).argmax(dim=1).numpy()

    threads = {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}
    return predict, {"threads": threads, "notes": NOTES}
