"""Regenerate every asset in `data_samples/` from Debian/PyPI packages (see LICENSES.md).

Needs: fluidsynth + fluid-soundfont-gm, musescore-general-soundfont-small and csound-soundfont (sounds),
fonts-noto-color-emoji and, through npm and librsvg2-bin, the Twemoji SVGs (pictures), scikit-image (background
photographs) and `apt-get download` of tuxpaint-stamps-default (photographs of some classes). Run from anywhere: `python data_samples/make_samples.py`.
`--validation DIR` writes a folder for choosing settings, not shipped: other recordings through TimGM6mb
(timgm6mb-soundfont, GPL-2), OpenMoji's drawings of the emoji classes (npm, CC BY-SA 4.0), other photographs, and
in `real/` Tux Paint's real recordings of animals and things (needs scipy).
`--heldout` writes only `heldout/`, assets that training never saw (fluidsynth + opl3-soundfont, fonts-symbola, scipy).
The output is deterministic given the package versions; the files are committed so that nobody
else needs these packages.
"""
import contextlib, shutil, struct, subprocess, tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw, ImageFont, ImageOps

OUT = Path(__file__).resolve().parent
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
SR, SECONDS, N_RECORDINGS, PICTURE_PX, BACKGROUND_PX = 16000, 3, 5, 128, 256
# more timbres for training: recordings 5-6 through MuseScore General (MIT), 7-8 through csound's GM bank (public domain)
MORE_SOUNDFONTS = [(Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"), (2, 4)), (Path("/usr/share/sounds/sf2/sf_GMbank.sf2"), (3, 4))]

# class -> (General MIDI program (0-based), lowest note, highest note, melodic?)
SOUNDS = {
    "accordion": (21, 53, 77, True), "acoustic_guitar": (24, 40, 76, True), "flute": (73, 72, 96, True),
    "saxophone": (65, 49, 80, True), "trumpet": (56, 55, 82, True), "violin": (40, 55, 93, True),
    "cello": (42, 36, 69, True), "clarinet": (71, 50, 86, True), "tuba": (58, 29, 58, True),
    "xylophone": (13, 65, 96, True), "erhu": (110, 55, 88, True),  # GM "Fiddle" stands in for erhu
    "bell": (14, 60, 79, True),  # Tubular Bells
    "bird": (123, 60, 84, False), "telephone": (124, 60, 72, False), "helicopter": (125, 48, 72, False),
    "applause": (126, 55, 72, False), "sea_waves": (122, 48, 72, False),
}
EMOJI = {"accordion": "🪗", "acoustic_guitar": "🎸", "flute": "🪈", "saxophone": "🎷", "trumpet": "🎺",
         "violin": "🎻", "bell": "🔔🛎", "bird": "🐦🕊🐤🦜", "telephone": "☎📞", "helicopter": "🚁",
         "applause": "👏🙌", "sea_waves": "🌊"}
PHOTOS = ["brick", "grass", "gravel", "coffee", "rocket", "hubble_deep_field"]  # skimage.data, CC0 / public domain
TWEMOJI = "@twemoji/svg@15.0.0"  # npm: Twemoji's drawings of the same glyphs, graphics CC BY 4.0 (trained on)
OPENMOJI = "openmoji@17.0.0"  # npm: OpenMoji, CC BY-SA 4.0 (validation only, never shipped)
VALIDATION_PHOTOS = ["camera", "coins", "moon", "immunohistochemistry", "retina", "chelsea"]  # skimage.data, not trained on
# Debian's Tux Paint stamps (GPL-2): cut-out photographs (transparent backgrounds) of some classes, from Wikipedia
# (the instruments) and Childsplay (the birds); `<class>: [stamp, ...]` under /usr/share/tuxpaint/stamps/
STAMPS_DEB = "tuxpaint-stamps-default"
STAMP_PHOTOS = {"violin": ["hobbies/music/string/violin"], "cello": ["hobbies/music/string/cello"],
                "trumpet": ["hobbies/music/brass/trumpet"], "acoustic_guitar": ["hobbies/music/string/guitar_classical"],
                "bird": [f"animals/birds/{b}" for b in ("blackbird", "crow", "lark", "magpie", "rainbow-lorikeet", "cuckoo")]}
HELDOUT_STAMP_PHOTOS = {"bird": ["animals/birds/owl", "animals/birds/seagull"]}  # photographs training never saw
VALIDATION_STAMP_PHOTOS = {"bird": ["animals/birds/pigeon", "animals/birds/quetzal"]}  # to choose settings on


# --- sounds: a tiny Standard MIDI File writer, then fluidsynth --------------------------------
def _varlen(n):
    out = [n & 0x7F]
    while n > 127: n >>= 7; out.append(0x80 | (n & 0x7F))
    return bytes(reversed(out))


def write_midi(path, program, notes):
    "notes: (start_s, duration_s, pitch, velocity); 120 bpm, 480 ticks a beat, so 960 ticks a second"
    events = [(0, bytes([0xC0, program]))]
    for start, dur, pitch, vel in notes:
        events += [(round(start * 960), bytes([0x90, pitch, vel])), (round((start + dur) * 960), bytes([0x80, pitch, 0]))]
    track, now = b"", 0
    for t, msg in sorted(events, key=lambda e: (e[0], e[1][0] == 0x90)):
        track += _varlen(t - now) + msg; now = t
    track += b"\x00\xff\x2f\x00"
    Path(path).write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track)


def phrase(rng, k, lo, hi, melodic):
    "Recording k of a class: a different rhythm, register and loudness each time."
    vel = int(rng.integers(60, 125))
    if not melodic:  # sound effects: the pitch sets the effect's rate; vary lengths and overlaps
        n = [1, 2, 3, 1, 4][k]
        starts = np.sort(rng.uniform(0, 1.5, n)); starts[0] = 0
        return [(s, float(rng.uniform(1.2, 3.0)), int(rng.integers(lo, hi + 1)), vel) for s in starts]
    root = int(rng.integers(lo, max(lo + 1, hi - 12)))
    scale = [0, 2, 4, 5, 7, 9, 11, 12]
    if k == 0: return [(i, 0.95, root + 5, vel) for i in range(3)]  # one note, three times
    if k == 1: return [(i * 0.25, 0.3, root + s, vel) for i, s in enumerate(scale + scale[::-1][1:])][:12]  # a scale
    if k == 2: return [(i * 0.35, 0.5, root + [0, 4, 7, 12][i % 4], vel) for i in range(8)]  # an arpeggio
    if k == 3: return [(i * 0.6, 0.55, root + [7, 5][i % 2], vel) for i in range(5)]  # a two-note motif
    steps = rng.choice(scale, 7)
    return [(i * 0.4, 0.45, int(root + s), int(np.clip(vel + rng.integers(-20, 20), 40, 127))) for i, s in enumerate(steps)]


def render(program, notes, tmp, soundfont=SOUNDFONT):
    mid, wav = Path(tmp) / "x.mid", Path(tmp) / "x.wav"
    write_midi(mid, program, notes)
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "1.0", "-r", str(SR), "-F", str(wav),
                    str(soundfont), str(mid)], check=True, capture_output=True)
    x, sr = sf.read(wav, dtype="float32", always_2d=True)
    assert sr == SR
    x = x.mean(1)[: SR * SECONDS]
    x = np.pad(x, (0, SR * SECONDS - len(x)))
    return 0.8 * x / max(np.abs(x).max(), 1e-6)


def make_sounds(rng, out=OUT, soundfont=SOUNDFONT,
                kinds=range(N_RECORDINGS),  # phrase kinds (see `phrase`), one recording each
                first=0):  # number of the first recording written
    (out / "audio").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (program, lo, hi, melodic) in SOUNDS.items():
            for i, k in enumerate(kinds, first):
                sf.write(out / "audio" / f"{name}_{i}.flac", render(program, phrase(rng, k, lo, hi, melodic), tmp, soundfont), SR, subtype="PCM_16")


# --- pictures: emoji glyphs, and drawn icons for the instruments without one ---------------------
def fit(im):
    "Crop to the drawn pixels and scale the longer side to PICTURE_PX."
    im = im.crop(im.getbbox())
    s = PICTURE_PX / max(im.size)
    return im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.LANCZOS)


def emoji(ch):
    font = ImageFont.truetype(str(EMOJI_FONT), 109)  # the only size this bitmap font has
    im = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    ImageDraw.Draw(im).text((10, 10), ch, font=font, embedded_color=True)
    return fit(im)


def hue_shift(im, shift):
    "A colour variant: rotate the hue, keep alpha."
    h, s, v = im.convert("RGB").convert("HSV").split()
    h = h.point(lambda x: (x + shift) % 256)
    out = Image.merge("HSV", (h, s, v)).convert("RGB")
    out.putalpha(im.getchannel("A"))
    return out


def draw_cello(d, body, dark, lower=50, upper=38):  # half-widths of the lower and upper bouts
    d.line([(128, 225), (128, 250)], fill=(60, 60, 60), width=5)  # endpin
    d.ellipse([128 - lower, 125, 128 + lower, 230], fill=body, outline=dark, width=4)
    d.ellipse([128 - upper, 55, 128 + upper, 145], fill=body, outline=dark, width=4)
    d.rectangle([110, 130, 146, 150], fill=body)
    d.rectangle([122, 5, 134, 170], fill=(25, 20, 20))  # neck and fingerboard
    d.ellipse([114, 0, 142, 22], fill=dark)  # scroll
    for x in (99, 150): d.arc([x - 8, 120, x + 8, 175], 60, 300, fill=dark, width=3)  # f-holes
    for x in (124, 127, 130, 133): d.line([(x, 15), (x, 205)], fill=(220, 220, 200), width=1)
    d.rectangle([112, 190, 144, 198], fill=dark)  # bridge/tailpiece


def draw_clarinet(d, body, metal, flare=32):  # half-width of the bell's mouth
    d.polygon([(122, 2), (134, 2), (137, 30), (119, 30)], fill=(40, 40, 40))  # mouthpiece
    d.rectangle([117, 30, 139, 200], fill=body)
    d.polygon([(117, 200), (139, 200), (128 + flare, 250), (128 - flare, 250)], fill=body)  # bell
    for y in range(50, 195, 22):
        d.ellipse([122, y, 134, y + 10], fill=metal)
        d.line([(139, y + 5), (146, y + 12)], fill=metal, width=3)
    for y in (45, 120): d.rectangle([115, y, 141, y + 6], fill=metal)  # rings


def draw_tuba(d, brass, dark, coil=(60, 40, 200, 230)):  # box of the coiled tube
    d.ellipse(list(coil), outline=brass, width=22)
    d.rectangle([150, 20, 200, 130], fill=brass)  # bell pipe
    d.ellipse([125, 0, 225, 40], fill=brass, outline=dark, width=4)  # bell, seen from the side
    d.ellipse([145, 8, 205, 30], fill=dark)
    for x in (95, 115, 135): d.rectangle([x, 95, x + 14, 160], fill=brass, outline=dark, width=3)  # valves
    d.line([(70, 120), (40, 90)], fill=brass, width=8)
    d.ellipse([28, 78, 48, 98], fill=dark)  # mouthpiece


def draw_xylophone(d, frame, colours, mallets=True):
    d.line([(20, 150), (236, 120)], fill=frame, width=10)
    d.line([(20, 215), (236, 175)], fill=frame, width=10)
    for i, c in enumerate(colours):
        x = 28 + i * 27
        d.rectangle([x, 100 + i * 4, x + 20, 235 - i * 8], fill=c, outline=(40, 40, 40), width=2)
    for x0, x1 in ((40, 120), (150, 220)) if mallets else ():
        d.line([(x0, 10), (x1, 80)], fill=(120, 80, 40), width=5)
        d.ellipse([x1 - 10, 72, x1 + 10, 92], fill=(200, 30, 30))


def draw_erhu(d, wood, skin, sides=6):  # the sound box's corners
    d.rectangle([124, 5, 134, 230], fill=wood)  # neck
    for y in (25, 50): d.rectangle([134, y, 156, y + 8], fill=wood)  # pegs
    d.regular_polygon((129, 215, 28), sides, fill=wood)  # sound box
    d.ellipse([109, 195, 149, 235], fill=skin)
    d.line([(127, 20), (127, 205)], fill=(230, 230, 230), width=1)
    d.line([(131, 20), (131, 205)], fill=(230, 230, 230), width=1)
    d.line([(20, 150), (240, 185)], fill=(90, 60, 30), width=4)  # bow
    d.line([(20, 158), (240, 193)], fill=(245, 240, 220), width=2)


DRAWN = {
    "cello": [(draw_cello, ((150, 80, 30), (70, 35, 10))), (draw_cello, ((110, 45, 20), (40, 20, 5)))],
    "clarinet": [(draw_clarinet, ((20, 20, 20), (200, 200, 210))), (draw_clarinet, ((60, 35, 25), (215, 190, 100)))],
    "tuba": [(draw_tuba, ((225, 175, 50), (120, 85, 10))), (draw_tuba, ((150, 150, 160), (70, 70, 80)))],
    "xylophone": [(draw_xylophone, ((110, 70, 30), [(230, 60, 60), (240, 150, 40), (240, 220, 50), (80, 190, 80), (60, 140, 230), (120, 80, 200), (230, 100, 180), (60, 200, 200)])),
                  (draw_xylophone, ((60, 40, 20), [(180, 130, 80)] * 8))],
    "erhu": [(draw_erhu, ((90, 40, 20), (235, 225, 200))), (draw_erhu, ((40, 25, 15), (200, 180, 150)))],
}


def drawn(draw, *args, **kw):
    im = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw(ImageDraw.Draw(im), *args, **kw)
    return fit(im)


def npm_svgs(spec, tmp):
    "Unpack the npm package `spec` (its registry tarball, `npm pack`) under `tmp`; return its folder."
    subprocess.run(["npm", "pack", spec, "--pack-destination", str(tmp)], check=True, capture_output=True)
    tgz, = Path(tmp).glob("*.tgz")
    shutil.unpack_archive(tgz, tmp)
    return Path(tmp) / "package"


def svg_picture(svg, tmp):
    "An SVG drawing rasterised by rsvg-convert at 160 px, then cropped and scaled like the emoji."
    png = Path(tmp) / "picture.png"
    subprocess.run(["rsvg-convert", "-w", "160", "-h", "160", str(svg), "-o", str(png)], check=True)
    return fit(Image.open(png).convert("RGBA"))


def emoji_drawings(spec, path_of, out):
    "Each glyph of `EMOJI` as the npm package `spec` draws it, after the pictures `out` has: `<class>_<k>.png`."
    with tempfile.TemporaryDirectory() as tmp:
        svgs = npm_svgs(spec, tmp)
        for name, chars in EMOJI.items():
            k = len(list(out.glob(f"{name}_[0-9]*.png")))
            for j, ch in enumerate(chars):
                svg_picture(svgs / path_of(ord(ch)), tmp).save(out / f"{name}_{k + j}.png", optimize=True)


@contextlib.contextmanager
def stamps_folder():
    "Tux Paint's stamps folder, unpacked into a temporary folder: the Debian package is downloaded, not installed."
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", STAMPS_DEB], cwd=tmp, check=True, capture_output=True)
        deb, = Path(tmp).glob("*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True)
        yield Path(tmp) / "x/usr/share/tuxpaint/stamps"


def stamp_photos(stamps, out):
    """Each photograph of `stamps` (class -> Tux Paint stamp paths), cropped and scaled like the emoji, after the
    pictures `out` has: `<class>_<k>.png`."""
    with stamps_folder() as root:
        for name, paths in stamps.items():
            k = len(list(out.glob(f"{name}_[0-9]*.png")))
            for j, path in enumerate(paths):
                fit(Image.open(root / f"{path}.png").convert("RGBA")).save(out / f"{name}_{k + j}.png", optimize=True)


def make_pictures():
    (OUT / "pictures").mkdir()
    for name in SOUNDS:
        if name in EMOJI:
            pics = [emoji(ch) for ch in EMOJI[name]]
            if len(pics) == 1: pics.append(ImageOps.mirror(hue_shift(pics[0], 40)))
        else:
            pics = [drawn(draw, *args) for draw, args in DRAWN[name]]
        for k, im in enumerate(pics): im.save(OUT / "pictures" / f"{name}_{k}.png", optimize=True)
    emoji_drawings(TWEMOJI, lambda code: f"{code:x}.svg", OUT / "pictures")
    stamp_photos(STAMP_PHOTOS, OUT / "pictures")


# --- held out: what training never saw, to measure generalisation (`--heldout`) -----------------
HELDOUT = OUT / "heldout"
VALIDATION_SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")  # GPL-2: its renders are for choosing settings, never shipped
HELDOUT_SOUNDFONT = Path("/usr/share/sounds/sf2/OPL-3_FM_128M.sf2")  # FM synthesis, no sample in common with FluidR3
SYMBOLA_FONT = Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf")
HELDOUT_KINDS = (4,)  # one recording a class (a random melody; four overlapping events for effects): two pass 1.5 MB
# class -> (glyphs of Symbola, a line-art font, and the colour their inside is painted)
SYMBOLA = {"acoustic_guitar": ("🎸", (205, 120, 50)), "saxophone": ("🎷", (235, 190, 60)), "trumpet": ("🎺", (245, 205, 90)),
           "violin": ("🎻", (170, 80, 30)), "bell": ("🔔🛎", (240, 200, 60)), "bird": ("🐦🕊", (120, 180, 240)),
           "telephone": ("☎📞", (220, 60, 50)), "helicopter": ("🚁", (90, 160, 90)), "applause": ("👏🙌", (250, 200, 150)),
           "sea_waves": ("🌊", (60, 130, 220))}


def line_art(ch, inside, ink=(30, 30, 30)):
    "A monochrome glyph as a sticker: its strokes in `ink`, every enclosed region painted `inside`."
    from scipy import ndimage
    im = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(im).text((10, 10), ch, font=ImageFont.truetype(str(SYMBOLA_FONT), 120), fill=255)
    strokes = np.asarray(im) > 127
    rgba = np.zeros((160, 160, 4), np.uint8)
    rgba[ndimage.binary_fill_holes(strokes)] = (*inside, 255)
    rgba[strokes] = (*ink, 255)
    return fit(Image.fromarray(rgba))


def draw_accordion(d, body, bellows):
    d.rectangle([20, 60, 70, 200], fill=body, outline=(30, 30, 30), width=3)  # bass side
    d.rectangle([186, 60, 236, 200], fill=body, outline=(30, 30, 30), width=3)  # keyboard side
    for i in range(8):  # the folds of the bellows
        x = 70 + i * 14.5
        d.polygon([(x, 70), (x + 14.5, 60), (x + 14.5, 200), (x, 190)], fill=bellows[i % 2], outline=(30, 30, 30))
    for y in range(70, 195, 16): d.rectangle([200, y, 232, y + 12], fill=(250, 250, 245), outline=(60, 60, 60))  # keys
    for y in range(75, 190, 20):
        for x in (32, 52): d.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(240, 240, 240))  # bass buttons


def draw_flute(d, metal, keys):
    d.line([(15, 225), (240, 30)], fill=metal, width=14)  # the tube, held aslant
    d.ellipse([34, 196, 50, 212], fill=(30, 30, 30))  # embouchure hole
    for t in np.linspace(0.3, 0.85, 7):
        x, y = 15 + t * 225, 225 - t * 195
        d.ellipse([x - 7, y - 7, x + 7, y + 7], fill=keys, outline=(80, 80, 90), width=2)
    for t in (0.2, 0.93):  # the joints
        x, y = 15 + t * 225, 225 - t * 195
        d.line([(x - 6, y - 7), (x + 6, y + 7)], fill=(90, 90, 100), width=4)


# class -> (draw, args, keyword arguments): other proportions and colours than `DRAWN`'s
HELDOUT_DRAWN = {
    "accordion": (draw_accordion, ((180, 30, 40), ((40, 40, 45), (220, 220, 220))), {}),
    "flute": (draw_flute, ((200, 200, 210), (235, 235, 240)), {}),
    "cello": (draw_cello, ((200, 110, 40), (90, 40, 10)), {"lower": 42, "upper": 30}),
    "clarinet": (draw_clarinet, ((35, 40, 70), (230, 230, 235)), {"flare": 18}),
    "tuba": (draw_tuba, ((200, 120, 60), (100, 50, 20)), {"coil": (80, 60, 190, 240)}),
    "xylophone": (draw_xylophone, ((200, 200, 190), [(250, 160, 160), (250, 210, 150), (250, 245, 160), (170, 230, 170),
                                                     (160, 200, 250), (200, 170, 240)]), {"mallets": False}),
    "erhu": (draw_erhu, ((150, 70, 40), (250, 245, 235)), {"sides": 8}),
}


def make_heldout_pictures(out=HELDOUT):
    (out / "pictures").mkdir(parents=True)
    for name in SOUNDS:
        if name in SYMBOLA:
            chars, inside = SYMBOLA[name]
            pics = [line_art(ch, inside) for ch in chars]
        else:
            draw, args, kw = HELDOUT_DRAWN[name]
            pics = [drawn(draw, *args, **kw)]
        for k, im in enumerate(pics): im.save(out / "pictures" / f"{name}_{k}.png", optimize=True)
    stamp_photos(HELDOUT_STAMP_PHOTOS, out / "pictures")


# --- backgrounds: free photographs from scikit-image and generated textures -------------------
def square(im):
    s = min(im.size)
    return ImageOps.fit(im, (s, s)).resize((BACKGROUND_PX, BACKGROUND_PX), Image.LANCZOS)


def texture(rng, k):
    "Smooth colour noise at a few scales, plus stripes or a gradient."
    out = np.zeros((BACKGROUND_PX, BACKGROUND_PX, 3))
    for cells, w in ((4, 1.0), (16, 0.5), (64, 0.25)):
        low = rng.uniform(0, 1, (cells, cells, 3))
        out += w * np.asarray(Image.fromarray((low * 255).astype(np.uint8)).resize((BACKGROUND_PX,) * 2, Image.BICUBIC)) / 255
    out /= 1.75
    y, x = np.mgrid[:BACKGROUND_PX, :BACKGROUND_PX] / BACKGROUND_PX
    out += 0.15 * (np.sin(2 * np.pi * (x * (k + 2) + y * k)) if k % 2 else y - 0.5)[..., None]
    return Image.fromarray((np.clip(out, 0, 1) * 255).astype(np.uint8))


def save_photos(names, folder):
    import skimage.data
    folder.mkdir(parents=True)
    for name in names:
        square(Image.fromarray(getattr(skimage.data, name)()).convert("RGB")).save(folder / f"photo_{name}.jpg", quality=85)


def make_backgrounds(rng):
    save_photos(PHOTOS, OUT / "backgrounds")
    for k in range(6): texture(rng, k).save(OUT / "backgrounds" / f"texture_{k}.jpg", quality=85)


def make_heldout(out=HELDOUT):
    "Sounds through another soundfont with other phrase draws, pictures from another font or drawn otherwise, new textures."
    for d in ("audio", "pictures", "backgrounds"): shutil.rmtree(out / d, ignore_errors=True)
    rng = np.random.default_rng(1)  # training's assets come from seed 0
    make_sounds(rng, out, HELDOUT_SOUNDFONT, HELDOUT_KINDS); make_heldout_pictures(out)
    (out / "backgrounds").mkdir()  # load_assets wants some; benchmarks/generalization.py uses them in one row only
    for k in range(3): texture(rng, k).save(out / "backgrounds" / f"texture_{k}.jpg", quality=85)


def stamp_recordings(out):
    """Tux Paint's real recordings (animals, instruments, household things; not its spoken letters, numbers and
    descriptions) as `out/<stamp path with _>.flac`, mono at 16 kHz, each as long as it is: a check of the counter on
    mixes of real recordings (`benchmarks/counter_real.py`), never trained on."""
    from scipy.signal import resample_poly
    out.mkdir(parents=True, exist_ok=True)
    with stamps_folder() as root:
        for f in sorted(root.rglob("*.ogg")):
            rel = f.relative_to(root)
            if rel.parts[0] == "symbols" or "_desc" in f.stem or "_name" in f.stem: continue
            wave, sr = sf.read(f, always_2d=True)
            wave = resample_poly(wave.mean(1), SR, sr)
            if len(wave) < SR // 2 or np.abs(wave).max() < 1e-3: continue  # under half a second, or silent
            name = str(rel.with_suffix("")).replace("/", "_") + ".flac"
            sf.write(out / name, wave / max(1, np.abs(wave).max()), SR)


def make_validation(out):
    """Assets neither training nor heldout/ uses, to choose settings on: sounds through another soundfont, OpenMoji's
    drawings of the emoji classes (training's drawings of the others), other photographs as backgrounds, and real
    recordings of other things than the classes (`real/`)."""
    out = Path(out)
    for d in ("audio", "pictures", "backgrounds", "real"): shutil.rmtree(out / d, ignore_errors=True)
    make_sounds(np.random.default_rng(3), out, VALIDATION_SOUNDFONT, (1, 4))
    shutil.copytree(OUT / "pictures", out / "pictures",
                    ignore=lambda _, names: [n for n in names if n.rsplit("_", 1)[0] in EMOJI])  # drawn classes only
    emoji_drawings(OPENMOJI, lambda code: f"color/svg/{code:X}.svg", out / "pictures")
    stamp_photos(VALIDATION_STAMP_PHOTOS, out / "pictures")
    save_photos(VALIDATION_PHOTOS, out / "backgrounds")
    stamp_recordings(out / "real")


def folder_size(folder): return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["--heldout"]:
        make_heldout()
        print(f"data_samples/heldout: {len(SOUNDS)} classes, {folder_size(HELDOUT) / 1e6:.2f} MB")
    elif sys.argv[1:2] == ["--validation"] and len(sys.argv) == 3:
        make_validation(sys.argv[2])
        print(f"{sys.argv[2]}: {len(SOUNDS)} classes")
    elif sys.argv[1:] == ["--photos"]:  # only the photographs, after the pictures already here (training and heldout/)
        stamp_photos(STAMP_PHOTOS, OUT / "pictures"); stamp_photos(HELDOUT_STAMP_PHOTOS, HELDOUT / "pictures")
    elif sys.argv[1:]: sys.exit("usage: make_samples.py [--heldout | --validation DIR | --photos]")
    else:
        for d in ("audio", "pictures", "backgrounds"): shutil.rmtree(OUT / d, ignore_errors=True)
        rng = np.random.default_rng(0)
        make_sounds(rng); make_pictures(); make_backgrounds(rng)
        more = np.random.default_rng(2)  # after the rest, so that recordings 0-4 stay as they were
        for j, (soundfont, kinds) in enumerate(MORE_SOUNDFONTS): make_sounds(more, OUT, soundfont, kinds, N_RECORDINGS + 2 * j)
        print(f"data_samples: {len(SOUNDS)} classes, {(folder_size(OUT) - folder_size(HELDOUT)) / 1e6:.1f} MB")
