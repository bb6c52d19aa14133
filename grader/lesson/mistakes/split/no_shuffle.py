"""Splits the rows in their original order, without shuffling."""

CAUGHT_BY = ["split_shuffles", "split_is_reproducible", "split_shuffles_forty_rows"]
HINT = "Shuffle before splitting"


def split_dataset(data, labels, train_ratio=0.8):
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
