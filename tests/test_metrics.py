"Randomised checks of `nossl_nb.metrics` against scikit-learn and against the official recipe, written out."
import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import auc, average_precision_score, confusion_matrix

from nossl_nb.metrics import (THRESHOLDS, _resize, auc_success, average_precision, binarize, ciou,
                              count_confusion, dataset_ap, iou_ceiling, match_objects, multi_source_metrics,
                              pointing_accuracy, prepare_map, single_source_metrics, success_curve)
from nossl_nb.data import boxes_to_mask as _boxes_to_mask


def boxes_to_mask(boxes, H, W):
    "The ground-truth mask as numpy, for the official recipes written out below."
    return _boxes_to_mask(boxes, H, W).numpy()

rng = np.random.default_rng(2024)


def random_box(H, W):
    "A pixel xyxy box of random size inside an H×W frame."
    x1, y1 = rng.integers(0, W - 2), rng.integers(0, H - 2)
    return np.array([[x1, y1, rng.integers(x1 + 1, W + 1), rng.integers(y1 + 1, H + 1)]], dtype=float)


def official_ciou(m, gt):
    "cIoU as the official test_step computes it: min-max, sort-median, in-place binarisation, cal_CIOU."
    x = (m - m.min()) / (m.max() - m.min())
    thr = np.sort(x.ravel())[x.size // 2]
    x[x > thr] = 1
    x[x < 1] = 0
    return np.sum(x * gt) / (np.sum(gt) + np.sum(x * (gt == 0))), x


def test_boxes_to_mask_matches_slicing():
    for _ in range(200):
        H, W = rng.integers(3, 40, size=2)
        boxes = np.concatenate([random_box(H, W) for _ in range(rng.integers(1, 4))]) + rng.random((1, 4))
        ref = np.zeros((H, W))
        for x1, y1, x2, y2 in boxes.astype(int): ref[y1:y2, x1:x2] = 1  # the official int() and slicing
        np.testing.assert_array_equal(boxes_to_mask(torch.tensor(boxes), H, W), ref)


def test_ciou_and_ap_match_the_official_recipe_and_sklearn():
    for _ in range(200):
        H, W = rng.integers(4, 48, size=2)
        m = rng.normal(size=(H, W)) ** 3  # heavy tails: a real map's few bright cells
        gt = boxes_to_mask(random_box(H, W), H, W)
        ref, P = official_ciou(m.copy(), gt)
        assert ciou(m, gt) == pytest.approx(ref)
        np.testing.assert_array_equal(binarize(prepare_map(m, H, W)), P)
        assert average_precision(m, gt, thr="median") == pytest.approx(average_precision_score(gt.ravel(), P.ravel()))
        assert average_precision(m, gt) == pytest.approx(average_precision_score(gt.ravel(), m.ravel()))


@pytest.mark.filterwarnings("ignore:.*constant")  # a draw of one repeated score is a constant map
def test_ap_with_heavy_ties_matches_sklearn():
    for _ in range(200):
        n = rng.integers(2, 300)
        scores, labels = rng.integers(0, 4, size=(1, n)).astype(float), rng.integers(0, 2, size=(1, n))
        labels[0, 0] = 1
        assert average_precision(scores, labels) == pytest.approx(average_precision_score(labels[0], scores[0]))


def test_binarize_keeps_a_tie_at_the_top_like_the_official_code():
    m = np.array([[1.0, 1.0, 1.0], [0.0, 0.5, 1.0]])  # 4 of 6 pixels tie at the maximum
    _, P = official_ciou(m.copy(), np.ones_like(m))
    np.testing.assert_array_equal(binarize(m), P)
    assert binarize(m).sum() == 4


def test_auc_matches_sklearn_on_random_sets():
    for _ in range(200):
        ious = rng.random(rng.integers(1, 50)) ** rng.uniform(0.3, 3)
        assert auc_success(ious) == pytest.approx(auc(THRESHOLDS, success_curve(ious)))
        official = [np.sum(ious >= 0.05 * i) / len(ious) for i in range(21)]  # test_epoch_end's loop
        assert auc_success(ious) == pytest.approx(auc([0.05 * i for i in range(21)], official))


def test_dataset_ap_is_sklearn_ap_times_the_hit_rate():
    for _ in range(200):
        ious, conf = rng.random(30), rng.random(30)
        hit = ious >= 0.5
        expected = average_precision_score(hit, conf) * hit.mean() if hit.any() else 0.0
        assert dataset_ap(ious, conf) == pytest.approx(expected)


def test_iou_ceiling_is_reached_by_a_noisy_perfect_map():
    for _ in range(100):
        H, W = rng.integers(4, 64, size=2)
        gt = boxes_to_mask(random_box(H, W), H, W)
        assert ciou(gt + 1e-3 * rng.random((H, W)), gt) == pytest.approx(iou_ceiling([gt])[0])


def test_bilinear_resize_is_interpolate():
    for _ in range(50):
        h, w, H, W = rng.integers(1, 60, size=4)  # up- and downsampling
        m = torch.rand(h, w, dtype=torch.float64)
        ref = torch.nn.functional.interpolate(m[None, None], size=(H, W), mode="bilinear", align_corners=False)[0, 0]
        np.testing.assert_allclose(_resize(m, H, W), ref.numpy(), atol=1e-12)


def test_feature_grid_maps_are_resized_like_interpolate():
    m = torch.rand(7, 7)
    up = torch.nn.functional.interpolate(m[None, None], size=(224, 224), mode="bilinear", align_corners=False)[0, 0]
    gt = boxes_to_mask([50, 60, 150, 200], 224, 224)
    assert ciou(m, gt) == pytest.approx(ciou(up.numpy(), gt), abs=1e-6)
    assert 0 <= ciou(m, gt) <= iou_ceiling(gt)[0]
    bicubic = single_source_metrics([m], [gt], mode="bicubic")
    assert set(bicubic) == {"AP", "AP_map", "IoU@0.5", "AUC", "AP_dataset@0.5"}


def test_pointing_accuracy_follows_the_peak():
    gts = [boxes_to_mask(random_box(32, 32), 32, 32) for _ in range(50)]
    maps = [np.where(g > 0, 1.0, 0.0) * rng.random((32, 32)) for g in gts]  # peaks inside the box
    assert pointing_accuracy(maps, gts) == 1.0
    assert pointing_accuracy([1 - g for g in gts if g.sum() < g.size], [g for g in gts if g.sum() < g.size]) == 0.0


def test_count_confusion_matches_sklearn():
    t, p = rng.integers(1, 4, 100), rng.integers(0, 6, 100)
    np.testing.assert_array_equal(count_confusion(p, t), confusion_matrix(t, p, labels=range(6)))


def official_scene(objects, gts, n_tiles):
    "cIoU list, CAP list and PIAP of one scene as the official test_step computes them (tiles side by side)."
    gts = [g.copy() for g in gts]
    split = lambda m: np.split(m, n_tiles, axis=1)
    tile = [int(np.argmax([t.sum() for t in split(g)])) for g in gts]
    ious, caps = [], []
    for m in objects:
        row, aps = [], []
        for i, g in enumerate(gts):
            x, t = split(m)[tile[i]].copy(), split(g)[tile[i]]
            c, P = official_ciou(x, t)
            row.append(0.0 if t.sum() == 0 else c)
            aps.append(0.0 if t.sum() == 0 else average_precision_score(t.ravel(), P.ravel()))
        best = int(np.argmax(row))
        ious.append(row[best]); caps.append(aps[best])
        gts[best] = np.zeros_like(gts[best])
    ious += [0.0] * (len(gts) - len(objects)); caps += [0.0] * (len(gts) - len(objects))
    pred = np.concatenate([official_ciou(x.copy(), np.ones_like(x))[1].ravel() for x in split(np.sum(objects, 0))])
    return ious, caps, pred


@pytest.mark.parametrize("n_tiles", [1, 2, 3])
def test_multi_source_matches_the_official_recipe(n_tiles):
    H, w = 24, 24
    for _ in range(40):
        S = n_tiles if n_tiles > 1 else rng.integers(1, 3)
        boxes = [random_box(H, w) + (np.array([[w, 0, w, 0]]) * (i if n_tiles > 1 else 0)) for i in range(S)]
        masks = [boxes_to_mask(b, H, w * n_tiles) for b in boxes]
        objects = [rng.normal(size=(H, w * n_tiles)) ** 3 for _ in range(rng.integers(1, 4))]
        ious, caps, pred = official_scene(objects, masks, n_tiles)
        res = multi_source_metrics([dict(maps=objects, masks=masks)], tiles=n_tiles)
        # an object with cIoU 0 against every source takes index 0 in the official code and none here:
        # the two rules only agree on scenes without a zero in the cIoU matrix
        if (match_objects(objects, masks, tiles=n_tiles)[1] == 0).any(): continue
        n = max(len(objects), S)
        ious, caps = ious + [0.0] * (n - len(ious)), caps + [0.0] * (n - len(caps))
        assert res["CIoU@0.3"] == pytest.approx(100 * np.mean(np.array(ious) >= 0.3))
        assert res["AUC"] == pytest.approx(100 * auc_success(ious))
        assert res["CAP"] == pytest.approx(100 * np.mean(caps))
        union = np.max(masks, 0)
        gt_tiles = np.concatenate([t.ravel() for t in np.split(union, n_tiles, axis=1)])
        assert res["PIAP"] == pytest.approx(100 * average_precision_score(gt_tiles, pred))


def test_bad_inputs_give_finite_tables_and_warnings():
    H, W = 16, 32
    duet = dict(size=(H, W), boxes=[np.array([[0, 0, 8, 8]]), np.array([[16, 0, 24, 8]])])
    scenes = [dict(duet, maps=[np.full((4, 8), np.nan)]), dict(duet, maps=[]), dict(duet, maps=[np.zeros((0, 0))]),
              dict(size=(H, W), boxes=[np.array([[3, 3, 3, 9]])], maps=[rng.random((4, 8))]),
              dict(size=(H, W), boxes=[], maps=[rng.random((4, 8))])]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = multi_source_metrics(scenes, tiles=2)
        single = single_source_metrics([np.ones((7, 7)), np.full((7, 7), np.inf), []], [np.zeros((H, W))] * 3)
    assert all(np.isfinite(v) for v in res.values()) and all(np.isfinite(v) for v in single.values())
    assert len(w) >= 6


def test_single_source_streams_masks_and_checks_counts():
    "Ground truths may come one at a time (a generator), and a count mismatch is an error either way."
    g = boxes_to_mask([0, 0, 8, 8], 16, 16)
    maps = [np.random.default_rng(0).random((4, 4)) for _ in range(3)]
    assert single_source_metrics(maps, (g for _ in range(3))) == single_source_metrics(maps, [g] * 3)
    with pytest.raises(ValueError, match="fewer ground truths"):
        single_source_metrics(maps, [g] * 2)
    with pytest.raises(ValueError, match="more ground truths"):
        single_source_metrics(maps, [g] * 4)
