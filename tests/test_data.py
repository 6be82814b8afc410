"End-to-end tests of the readers on layouts written by the scene generator, and of every bad input."
import json

import av
import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from nossl_nb.data import N_SAMPLES, SR, DataError, MissingDataError, RandomMixtures, collate, load_audio, load_frame
from nossl_nb.layouts import clip_list, music, vggss, vggsound_mix, write_music, write_vggsound
from nossl_nb.samples import SceneDataset


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    root = tmp_path_factory.mktemp("layouts")
    return (write_music(root/"MUSIC", n_solo=6, n_duet=4, seed=1),
            write_vggsound(root/"VGGSound", n=10, n_mix=4, seed=2, audio_ext=".wav"))


def copy_layout(src, dst):
    import shutil
    shutil.copytree(src, dst)
    return dst


# --- the readers give back what the generator wrote -------------------------------------------
def test_music_solo_matches_generator(layouts):
    ds, made = music(layouts[0]), SceneDataset(6, "single", seed=1)
    for i in range(len(ds)):
        s, m = ds[i], made[i]
        assert s["classes"] == m["classes"] and s["n_sources"] == 1
        torch.testing.assert_close(s["boxes"][0], m["boxes"][0], atol=1e-3, rtol=0)
        torch.testing.assert_close(s["audio"], m["audio"], atol=1e-3, rtol=0)
        assert (s["frame"] - m["frame"]).abs().mean() < 0.1  # JPEG, in ImageNet-normalised units


def test_music_duet_xywh_boxes(layouts):
    records = json.loads((layouts[0]/"music_duet.json").read_text())
    ds = music(layouts[0], "music_duet.json")
    for r, s in zip(records, ds):
        assert s["classes"] == [r["class_src1"], r["class_src2"]]
        x, y, w, h = r["bbox_src2"]
        torch.testing.assert_close(s["boxes"][1], torch.tensor([[x, y, x + w, y + h]]) * 224, atol=1e-3, rtol=0)


def test_vggss_and_mixtures(layouts):
    single = vggss(layouts[1])
    assert len(single) == 10 and single[0]["frame"].shape == (3, 224, 224)
    for name, widths in (("duet", {448}), ("trio", {672}), ("mixed", {224, 448, 672})):
        ds = vggsound_mix(layouts[1], f"vggsound_{name}_test.csv")
        assert len(ds) == 4
        for s in ds:
            assert s["frame"].shape[-1] in widths and len(s["boxes"]) == len(s["classes"]) == s["n_sources"]
            for k, b in enumerate(s["boxes"]):  # source k lies on tile k
                assert (b[:, 0] >= 224 * k - 1e-3).all() and (b[:, 2] <= 224 * (k + 1) + 1e-3).all()
    rows = (layouts[1]/"vggsound_duet_test.csv").read_text().splitlines()
    assert vggsound_mix(layouts[1])[0]["id"] == "+".join(rows[0].split(",")[0::2])


def test_official_mix_and_train_lists(layouts):
    ds = vggsound_mix(layouts[1], mix="official", train=True, frame_size=128)
    s = ds[0]
    assert s["frame"].shape == (3, 256, 128) and s["audio"].shape == (2, N_SAMPLES)
    train = clip_list(layouts[1], "vggsound_train.txt", train=True)
    assert len(train) == 10 and train[0]["boxes"][0].shape == (0, 4)
    music_train = clip_list(layouts[0], "music_solo_train.txt", music_names=True)
    assert music_train[0]["classes"] == music(layouts[0])[0]["classes"]


def test_dataloader_with_workers(layouts):
    loader = DataLoader(RandomMixtures(vggss(layouts[1], train=True), 2), batch_size=4, num_workers=2,
                        collate_fn=collate, pin_memory=torch.cuda.is_available())
    batches = list(loader)
    assert [b["frame"].shape[0] for b in batches] == [4, 4, 2]
    assert batches[0]["frame"].shape[1:] == (3, 224, 448) and batches[0]["audio"].shape[1:] == (N_SAMPLES,)
    gen = DataLoader(SceneDataset(8, "trio", frame_size=96), batch_size=4, num_workers=2, collate_fn=collate)
    first = next(iter(gen))
    assert first["frame"].shape == (4, 3, 96, 288)
    torch.testing.assert_close(first["frame"][1], SceneDataset(8, "trio", frame_size=96)[1]["frame"])


def test_video_files(tmp_path):
    "Audio and the centre frame straight from a video (PyAV), in the VGGSound layout."
    (tmp_path/"video").mkdir()
    with av.open(str(tmp_path/"video/clip_000010.mp4"), "w") as c:
        v = c.add_stream("mpeg4", rate=10); v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream("aac", rate=22050)
        for i in range(40):  # 4 s: grey level = frame index × 5
            picture = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 5, np.uint8), format="rgb24")
            for p in v.encode(picture): c.mux(p)
        tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(22050 * 4) / 22050)).astype(np.float32)
        for k in range(0, len(tone), 1024):
            f = av.AudioFrame.from_ndarray(np.stack([tone[k:k + 1024]] * 2), format="fltp", layout="stereo")
            f.sample_rate = 22050
            for p in a.encode(f): c.mux(p)
        for s in (v, a):
            for p in s.encode(): c.mux(p)
    wav = load_audio(tmp_path/"video/clip_000010.mp4")
    assert abs(len(wav) / SR - 4) < 0.1 and 0.4 < wav.abs().max() < 0.6  # stereo averaged, not summed
    grey = np.asarray(load_frame(tmp_path/"video/clip_000010.mp4")).mean()
    assert abs(grey - 20 * 5) < 12  # the frame at 2 s
    record = {"file": "clip_000010", "class": "tone", "bbox": [[0.1, 0.1, 0.5, 0.5]]}
    (tmp_path/"vggss.json").write_text(json.dumps([record]))
    s = vggss(tmp_path)[0]
    assert s["audio"].shape == (N_SAMPLES,) and s["boxes"][0].shape == (1, 4)


# --- every bad input: a one-line message naming the file and what to do -----------------------
def one_line(excinfo, *parts):
    msg = str(excinfo.value)
    assert "\n" not in msg
    for p in parts: assert p in msg, msg


def test_missing_root_and_metadata(tmp_path, layouts):
    with pytest.raises(MissingDataError) as e: music(tmp_path/"nowhere", tmp_path/"nowhere/music_solo.json")
    one_line(e, "music_solo.json", "metadata file not found", "download")
    (tmp_path/"meta.json").write_text("[]")
    with pytest.raises(MissingDataError) as e: music(tmp_path/"nowhere", tmp_path/"meta.json")
    one_line(e, "nowhere", "dataset folder not found", "frames/ and audio/")
    with pytest.raises(MissingDataError) as e: vggsound_mix(layouts[1], "vggsound_quartet_test.csv")
    one_line(e, "vggsound_quartet_test.csv", "not found")


def test_clip_without_file(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    clip = json.loads((root/"vggss.json").read_text())[3]["file"]
    (root/"frames"/f"{clip}.jpg").unlink()
    with pytest.raises(MissingDataError) as e: vggss(root)
    one_line(e, f"frames/{clip}.jpg", "has no frame file", "vggss.json", "skip_bad=True")
    with pytest.warns(UserWarning, match="skipped 1 of 10 scenes"): assert len(vggss(root, skip_bad=True)) == 9
    with pytest.warns(UserWarning, match="skipped"): vggsound_mix(root, skip_bad=True)


def test_unreadable_and_empty_audio(tmp_path, layouts):
    root = copy_layout(layouts[0], tmp_path/"m")
    first, second = (r["file"] for r in json.loads((root/"music_solo.json").read_text())[:2])
    (root/"audio"/f"{first[:-10]}.flac").write_bytes(b"not a flac file")
    (root/"audio"/f"{second[:-10]}.flac").write_bytes(b"")
    ds = music(root)
    with pytest.raises(DataError) as e: ds[0]
    one_line(e, f"{first[:-10]}.flac", "cannot read the audio", "re-download")
    with pytest.raises(DataError) as e: ds[1]
    one_line(e, f"{second[:-10]}.flac", "empty")
    sf.write(tmp_path/"silent.wav", np.zeros(0, np.float32), SR)
    with pytest.raises(DataError) as e: load_audio(tmp_path/"silent.wav")
    one_line(e, "silent.wav", "empty (0 samples)")
    skipping = music(root, skip_bad=True)
    with pytest.warns(UserWarning, match="skipped 2 unreadable scene"): s = skipping[0]
    assert s["id"] == json.loads((root/"music_solo.json").read_text())[2]["file"] and skipping.n_skipped == 2


def test_undecodable_image(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    clip = json.loads((root/"vggss.json").read_text())[0]["file"]
    (root/"frames"/f"{clip}.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(DataError) as e: vggss(root)[0]
    one_line(e, f"{clip}.jpg", "cannot decode the image", "re-extract")
    with pytest.warns(UserWarning, match="skipped 1 unreadable"): assert vggss(root, skip_bad=True)[0]["id"] != clip


def test_box_outside_frame(tmp_path, layouts):
    root = copy_layout(layouts[0], tmp_path/"m")
    records = json.loads((root/"music_solo.json").read_text())
    records[1]["bbox"] = [0.7, 0.2, 0.5, 0.5]  # x + w = 1.2
    (root/"music_solo.json").write_text(json.dumps(records))
    with pytest.raises(DataError) as e: music(root)
    one_line(e, "music_solo.json", records[1]["file"], "outside [0, 1]")
    with pytest.warns(UserWarning, match="skipped 1 of 6 clips with bad boxes"):
        assert len(music(root, skip_bad=True)) == 5
    vroot = copy_layout(layouts[1], tmp_path/"v")
    recs = json.loads((vroot/"vggss.json").read_text())
    recs[0]["bbox"] = [[0.1, 0.1, 0.5, 0.5], [-0.2, 0.1, 0.5, 1.0]]
    (vroot/"vggss.json").write_text(json.dumps(recs))
    with pytest.raises(DataError) as e: vggss(vroot)
    one_line(e, "vggss.json", recs[0]["file"], "outside [0, 1]")


def test_collate_refuses_mixed_widths(layouts):
    ds = vggsound_mix(layouts[1], "vggsound_mixed_test.csv")
    widths = [s["frame"].shape[-1] for s in ds]
    if len(set(widths)) > 1:
        with pytest.raises(ValueError, match="batch_size=1"): collate(list(ds))
    assert len(DataLoader(ds, batch_size=1, collate_fn=collate)) == 4


# --- each reader error branch gives its one-line message (issue: a test per message) -------------
def test_dataset_folder_without_frames(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    import shutil
    shutil.rmtree(root/"frames")
    with pytest.raises(MissingDataError) as e: vggss(root)
    one_line(e, "frames", "no frames/*.jpg|png (or video/*.mp4)", "extract the centre frames")


def test_invalid_json_metadata(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    (root/"vggss.json").write_text('[{"file": "x", ')
    with pytest.raises(DataError) as e: vggss(root)
    one_line(e, "vggss.json", "not valid JSON", "re-download")


def test_mixture_partner_without_boxes(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    first = (root/"vggsound_duet_test.csv").read_text().splitlines()[0].split(",")
    (root/"vggsound_duet_test.csv").write_text(",".join([first[0], first[1], "no_such_clip", "violin"]) + "\n")
    with pytest.raises(MissingDataError) as e: vggsound_mix(root)
    one_line(e, "vggsound_duet_test.csv", "clip 'no_such_clip' has no boxes in vggss.json", "goes with this list")


def test_music_duet_second_box_out_of_range(tmp_path, layouts):
    root = copy_layout(layouts[0], tmp_path/"m")
    records = json.loads((root/"music_duet.json").read_text())
    records[0]["bbox_src2"] = [0.8, 0.2, 0.5, 0.5]  # x + w = 1.3: past the right edge
    (root/"music_duet.json").write_text(json.dumps(records))
    with pytest.raises(DataError) as e: music(root, "music_duet.json")
    one_line(e, "music_duet.json", records[0]["file"], "outside [0, 1]", "skip_bad=True")


def test_video_without_audio_through_load_audio(tmp_path):
    from nossl_nb.media import write_video
    clip = write_video(SceneDataset(1, "single", frame_size=64, seed=3)[0], tmp_path/"silent.mp4", sound=False)
    with pytest.raises(DataError) as e: load_audio(clip)
    one_line(e, "silent.mp4", "no audio stream", "clip with sound")


def audio_only_mp4(path, seconds=1.0):
    "An .mp4 with a sound track and no picture."
    with av.open(str(path), "w") as c:
        a = c.add_stream("aac", rate=SR)
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(SR * seconds)) / SR)).astype(np.float32)
        for k in range(0, len(tone), 1024):
            f = av.AudioFrame.from_ndarray(tone[None, k:k + 1024], format="flt", layout="mono"); f.sample_rate = SR
            for p in a.encode(f): c.mux(p)
        for p in a.encode(): c.mux(p)
    return path


def test_video_without_a_picture(tmp_path):
    with pytest.raises(DataError) as e: load_frame(audio_only_mp4(tmp_path/"radio.mp4"))
    one_line(e, "radio.mp4", "the video has no picture", "use a clip with video")


def test_video_without_a_decodable_frame(tmp_path):
    from fractions import Fraction
    path = tmp_path/"blank.mp4"
    with av.open(str(path), "w") as c:  # a picture track of 2 s whose packets hold no decodable picture
        v = c.add_stream("mpeg4", rate=10); v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        for i in range(20):
            p = av.Packet(b"\x00\x00\x01\xb6" + bytes(50))
            p.stream, p.pts, p.dts, p.time_base = v, i, i, Fraction(1, 10)
            c.mux(p)
    with pytest.raises(DataError) as e: load_frame(path)
    one_line(e, "blank.mp4", "no decodable frame", "re-download it", "skip_bad=True")


def test_no_readable_scene(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    for f in (root/"audio").iterdir(): f.write_bytes(b"not audio")
    ds = vggss(root, skip_bad=True)  # every file is there, none can be read
    with pytest.warns(UserWarning, match="skipped"), pytest.raises(DataError) as e: ds[0]
    one_line(e, "no readable scene in this dataset (10 scenes)", "check the files")


def test_mixture_partner_clip_missing(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    partner = (root/"vggsound_duet_test.csv").read_text().splitlines()[0].split(",")[2]
    (root/"audio"/f"{partner}.wav").unlink()  # its boxes are in vggss.json, its sound is gone
    with pytest.raises(MissingDataError) as e: vggsound_mix(root)
    one_line(e, f"audio/{partner}.wav", "has no audio file", "vggsound_duet_test.csv", "skip_bad=True")
    with pytest.warns(UserWarning, match="skipped"): assert len(vggsound_mix(root, skip_bad=True)) < 4


def test_mixture_with_a_bad_box(tmp_path, layouts):
    root = copy_layout(layouts[1], tmp_path/"v")
    partner = (root/"vggsound_duet_test.csv").read_text().splitlines()[0].split(",")[2]
    recs = json.loads((root/"vggss.json").read_text())
    for r in recs:
        if r["file"] == partner: r["bbox"] = [[0.5, 0.1, 1.4, 0.6]]  # x2 = 1.4: past the right edge
    (root/"vggss.json").write_text(json.dumps(recs))
    with pytest.raises(DataError) as e: vggsound_mix(root)
    one_line(e, "vggss.json", partner, "outside [0, 1]")
