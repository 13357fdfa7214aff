"""The PDF full-text parser on the four real arXiv PDFs in ../shared/data/fixtures/pdf (each parsed once per
module) and on bad inputs. The expected headings, captions, sentences and reference counts were read off the PDFs."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pdf_samples import encrypted, scanned
from PIL import Image

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.pdf_text import HYPHEN, PaperText, PdfError, extract, join_lines, pdf_plain_text, render_page_png

pytestmark = pytest.mark.slow  # ~10 s of PDF parsing: the full tier (bad inputs are also in test_fulltext.py)

PAGES = {"2203.00130v1": 39, "2206.10883v3": 37, "2302.07302v1": 15, "2304.02623v1": 4}


@pytest.fixture(scope="module")
def pdf_dir(shared_dir) -> Path:
    return shared_dir / "data" / "fixtures" / "pdf"


@pytest.fixture(scope="module")
def paper(pdf_dir):
    """paper(name) -> PaperText, parsed at most once per module."""
    cache: dict[str, PaperText] = {}

    def get(name: str) -> PaperText:
        if name not in cache:
            cache[name] = extract((pdf_dir / f"{name}.pdf").read_bytes(), source=f"arXiv {name}")
        return cache[name]

    return get


def headings(p: PaperText) -> list[str]:
    return [s.heading for s in p.sections]


def paragraphs(p: PaperText) -> list[str]:
    return [para.text for s in p.sections for para in s.paragraphs]


def section(p: PaperText, heading: str):
    return next(s for s in p.sections if s.heading == heading)


def in_order(wanted: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(w in it for w in wanted)


# -- structure -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_and_reading_order_of_pages(paper, name):
    p = paper(name)
    assert p.pages == PAGES[name]
    pages = [para.page for s in p.sections for para in s.paragraphs if not s.heading.upper() == "REFERENCES"]
    assert pages == sorted(pages) and 1 <= pages[0] and pages[-1] <= p.pages
    assert all(para.text == para.text.strip() and "\n" not in para.text for s in p.sections for para in s.paragraphs)


def test_two_column_chi_paper_headings(paper):
    p = paper("2302.07302v1")
    h = headings(p)
    assert h[0] == "" and p.sections[0].level == 0  # title and authors, before ABSTRACT
    assert p.sections[0].paragraphs[0].text == (
        "CiteSee: Augmenting Citations in Scientific Papers with Persistent and Personalized Historical Context")
    assert in_order(["ABSTRACT", "CCS CONCEPTS", "KEYWORDS", "1 INTRODUCTION", "2 RELATED WORK",
                     "2.1 Scientific Paper Reading Interfaces", "2.2 Paper Recommendation and Exploration",
                     "3 PRELIMINARY INTERVIEWS", "3.3 DESIGN GOALS", "4 SYSTEM DESIGN",
                     "4.5 [D3] Paper Cards with Personalized Context",  # printed on two lines
                     "5 STUDY 1: DISCOVER RELEVANT CITATIONS", "6.1.3 Triaging between and within Papers (D1,D2)",
                     "7 LIMITATIONS AND FUTURE WORK", "8 CONCLUSION", "ACKNOWLEDGMENTS", "REFERENCES"], h)
    # 8 sections, 14 subsections, 5 sub-subsections on lines of their own (6.1.6 is run into its paragraph)
    assert len([x for x in h if re.match(r"\d", x)]) == 27
    levels = {s.heading: s.level for s in p.sections}
    assert (levels["1 INTRODUCTION"], levels["2.1 Scientific Paper Reading Interfaces"],
            levels["6.1.3 Triaging between and within Papers (D1,D2)"], levels["REFERENCES"]) == (1, 2, 3, 1)
    abstract = section(p, "ABSTRACT").paragraphs[0].text
    assert abstract.startswith("When reading a scholarly article, inline citations help researchers")
    assert abstract.endswith("when conducting real-world literature reviews.")


def test_single_column_acm_paper_headings_and_unheaded_abstract(paper):
    p = paper("2203.00130v1")
    h = headings(p)
    # no ABSTRACT heading in this layout: the title and the authors (one paragraph) make the untitled first
    # section, and the unheaded abstract a section "Abstract" (its heading stood above the title: a walkthrough)
    assert h[:2] == ["", "Abstract"] and [x.text[:40] for x in p.sections[0].paragraphs] == [
        "Paper Plain: Making Medical Research Pap", "TAL AUGUST, University of Washington, US"]
    assert " · LUCY LU WANG, Allen Institute for Artificial Intelligence, USA · " in p.sections[0].paragraphs[1].text
    assert p.sections[1].paragraphs[0].text.startswith("When seeking information not covered in patient-friendly")
    # two columns of names, addresses and affiliations: one paragraph, not 27 (each with a Note button in the app)
    chi = paper("2302.07302v1")
    assert len(chi.sections[0].paragraphs) == 2 and chi.sections[1].heading == "ABSTRACT"
    assert in_order(["1 INTRODUCTION", "2 BACKGROUND AND RELATED WORK", "2.1 Healthcare consumers reading medical "
                     "research", "3 OBSERVATIONS OF NON-EXPERT READERS", "5.3 Key Question Index and Answer Gists",
                     "7.2 How does Paper Plain affect participants’ self-reported reading difficulty, understanding, "
                     "and ability to identify relevant information?", "9 CONCLUSION", "ACKNOWLEDGMENTS",
                     "REFERENCES", "A INTERVIEWS WITH HEALTHCARE CONSUMERS AND PROVIDERS", "B ITERATIVE DESIGN",
                     "C PAPER PLAIN IMPLEMENTATION", "C.1 GPT-3 Simplification", "D STATISTICAL ANALYSIS",
                     "D.4 Ordinal Regression for Likert-Scale Variables"], h)
    assert {int(x.split()[0]) for x in h if re.match(r"\d+ ", x)} == set(range(1, 10))
    levels = {s.heading: s.level for s in p.sections}
    assert levels["A INTERVIEWS WITH HEALTHCARE CONSUMERS AND PROVIDERS"] == 1
    assert levels["D.4 Ordinal Regression for Likert-Scale Variables"] == 2


def test_neurips_paper_headings_and_appendix(paper):
    p = paper("2206.10883v3")
    h = headings(p)
    assert h[0] == "" and p.sections[0].paragraphs[0].text == (
        "Multi-LexSum: Real-World Summaries of Civil Rights Lawsuits at Multiple Granularities")
    assert in_order(["Abstract", "1 Introduction", "2 Related work", "2.1 Natural language processing for legal "
                     "documents", "3 Multi-LexSum", "3.3 Dataset characterization", "4 Experiments",
                     "4.4 Multitask training for summaries of different lengths", "5 Human evaluation", "6 Conclusion",
                     "Acknowledgements", "References", "A Multi-LexSum release", "A.1 Accessing Multi-LexSum",
                     "B Multi-LexSum summary writing and reviewing guidelines", "B.3 Reviewing summaries",
                     "C Usability study system design", "F Multi-LexSum datasheet"], h)
    # the datasheet's sections (bold, larger type, unnumbered) come under "F ..."
    assert in_order(["F Multi-LexSum datasheet", "MOTIVATION", "COMPOSITION", "MAINTENANCE"], h)
    assert section(p, "MOTIVATION").level > 1
    assert not any(x.startswith(("Tiny", "Long", "Checklist of Facts")) for x in h)  # bold text inside tables


def test_short_workshop_paper_headings(paper):
    h = headings(paper("2304.02623v1"))
    assert h == ["", "ABSTRACT", "KEYWORDS", "1 INTRODUCTION", "2 CHARACTERIZING EXPOSITORY WRITING",
                 "3 DESIGNING AI SUPPORTS FOR EXPOSITORY WRITING", "4 CONCLUSION", "ACKNOWLEDGMENTS", "REFERENCES"]


# -- text quality ----------------------------------------------------------------------------------------------------


def test_sentences_run_across_columns_and_pages(paper):
    chi = paragraphs(paper("2302.07302v1"))
    # page 2: bottom of the left column -> top of the right column
    assert any("the cited paper was expected to be more relevant and salient to the reader’s interest of text "
               "analysis techniques." in t for t in chi)
    # page 1 -> page 2, past the full-width Figure 2 caption at the top of page 2
    assert any("between all inline citations and the citing paper, only a subset of them will be relevant to the "
               "reader’s interests" in t for t in chi)
    # page 1 of the workshop paper: the footnotes under the left column are not in the sentence
    short = paragraphs(paper("2304.02623v1"))
    assert any("For example, this could be researchers collecting and reading multiple papers to write a survey "
               "paper [23]" in t for t in short)


def test_statistics_and_formulas_beside_a_figure_are_kept(paper):
    """A blind walkthrough (page 10 of the CHI paper, beside Figure 8): the formula under the figure's caption was
    dropped as figure text, "CurrPaper chi2_2 = 1.5998, p = 0.4494)." was lost (it came as two pieces in the
    wrong order), and the subscript "4" of a chi2 split a paragraph mid-word ("Cur-" / "rPaper: ...")."""
    chi = paragraphs(paper("2302.07302v1"))
    assert "Likert ∼ Reencountered + Specter + Global + Linear + (1|Participant)" in chi
    assert any("(LitReview: χ2 = 151, p = 2.2e−16 < 0.001***; CurrPaper: χ2 = 88.967, p = 2.2e − 16 < 0.001***). "
               "Next, we considered inclusion of an extra fixed effect" in t for t in chi)
    assert any(t.endswith("(LitReview χ2 = 1.2777, p = 0.5279; CurrPaper χ2 2 = 1.5998, p = 0.4494).") for t in chi)
    # the same in the ACM paper: "βQA" and "Reading" / "Difficulty" were paragraphs of their own
    acm = paragraphs(paper("2203.00130v1"))
    assert any("Similarly, βPDF, βSD and βQA are the mean differences in score" in t and
               "for Reading Difficulty means that the PDF baseline" in t for t in acm)


def test_line_break_hyphens_repaired_and_ligatures_plain(paper):
    short, chi, neurips = (paragraphs(paper(n)) for n in ("2304.02623v1", "2302.07302v1", "2206.10883v3"))
    assert any("leveraging this new technology can transform writing" in t for t in short)  # "tech-" / "nology"
    assert any("to provide personalized visual augmentations" in t for t in chi)  # "per-" / "sonalized"
    assert any("applications to aid knowledge workers" in t for t in neurips)  # "knowl-" / "edge"
    assert any("shorter-term research interests" in t for t in chi)  # a real compound keeps its hyphen
    everything = " ".join(short + chi + neurips)
    assert not re.search("[\ufb00-\ufb06\x02\ufffe]", everything)
    assert "would benefit both the legal field" in everything  # set with the "fi" ligature glyph


def test_running_headers_page_numbers_footnotes_and_stamp_are_dropped(paper):
    for name, header in [("2302.07302v1", "CHI ’23, April 23–28, 2023, Hamburg, Germany"),
                         ("2203.00130v1", "Paper Plain: Making Medical Research Papers Approachable to Healthcare"),
                         ("2304.02623v1", "Beyond Summarization: Designing AI Support")]:
        p = paper(name)
        body = [para.text for s in p.sections[1:] for para in s.paragraphs]
        assert not any(t.startswith(header) for t in body), name
        assert not any(re.fullmatch(r"\d{1,3}", t) for t in body), name
        assert not any("arXiv:" + name in t for t in paragraphs(p)), name
    short = paragraphs(paper("2304.02623v1"))
    assert not any("In the remainder of this work, unless otherwise specified" in t for t in short)  # footnote 1


def test_footnote_marks_are_superscripts_not_part_of_the_text(paper):
    """A blind walkthrough read "reported in Figure 8.5 We fit one model": the footnote mark 5, set small and
    raised, was glued to the figure number. Marks now read as superscript digits, in every fixture paper."""
    chi, plain, lexsum = (" ".join(paragraphs(paper(n))) for n in ("2302.07302v1", "2203.00130v1", "2206.10883v3"))
    assert "reported in Figure 8.⁵ We fit one model" in chi and "Figure 8.5 We" not in chi
    assert "ordinal package [14];⁴" in chi
    assert "Unified Medical Language System (UMLS)⁵ or Wiktionary.⁶" in " ".join(plain.split())
    assert "with a learning rate of 5e-5.⁴ Following" in lexsum  # the "5" of 5e-5 is text, the 4 a mark


def test_word_gaps_without_a_space_character_read_as_spaces(paper):
    """2206.10883's datasheet appendix sets its words apart by position alone, and read "What(other)tasks could the
    dataset be used for?" and "repository thatlinks" (a blind walkthrough). A gap of WORD_GAP of the glyph height
    on one baseline is a space; a code listing's typewriter letters, spaced wider, are not split."""
    lexsum = " ".join(paragraphs(paper("2206.10883v3")))
    assert "What (other) tasks could the dataset be used for?" in lexsum
    assert "Is there a repository that links to any or all papers" in lexsum
    assert "thatlinks" not in lexsum and " ofthe " not in lexsum
    assert 'load_dataset (" multi_lexsum .py", name =" v20220616 ")' in lexsum  # typewriter font: as before
    chi = " ".join(paragraphs(paper("2302.07302v1")))
    assert "reported in Figure 8.⁵ We fit one model" in chi  # footnote marks still follow their word


def test_superscript_digits_only_for_raised_small_digits_after_a_word():
    from trendscope.ingest.pdf_text import _superscript_digits

    def chars(spec):  # (text, raised) pieces -> (code, left, bottom, right, top, size, index), 10 pt type
        out, x = [], 0.0
        for text, up in spec:
            for ch in text:
                bottom, top = (104.0, 111.0) if up else (100.0, 110.0)
                out.append((ord(ch), None if ch == " " else x, bottom, x + 5, top, 10.0, len(out)))
                x += 5
        return out

    def text(spec):
        return "".join(map(chr, _superscript_digits(chars(spec), 10.0, 100.0)))

    assert text([("in Figure 8.", False), ("5", True), (" We fit", False)]) == "in Figure 8.⁵ We fit"
    assert text([("cited", False), ("1,12", True), (" here", False)]) == "cited¹,¹² here"
    assert text([("x", False), ("2i", True), (" and", False)]) == "x2i and"  # an exponent with a letter stays
    assert text([("3", True), ("rd line", False)]) == "3rd line"  # nothing before it: not a mark
    assert text([("at 10 ", False), ("12", False)]) == "at 10 12"  # on the baseline: text


def test_captions_are_moved_out_of_the_text(paper):
    chi = paper("2302.07302v1")
    labels = [(c.kind, c.label, c.page) for c in chi.captions]
    assert [x[1] for x in labels] == [f"Figure {i}" for i in range(1, 9)] + ["Table 1", "Table 2"]
    assert labels[0] == ("figure", "Figure 1", 1) and labels[-1] == ("table", "Table 2", 12)
    fig2 = chi.captions[1]
    assert fig2.text.startswith("[Left] To help users discover important prior work")
    assert fig2.text.endswith("the citing sentence where the cited paper was saved.")  # its last line spans no column
    assert not any("To help users discover important prior work, unexplored citations" in t for t in paragraphs(chi))

    acm = paper("2203.00130v1")
    by_label = {c.label: c for c in acm.captions}
    assert by_label["Figure 1"].text.startswith("Paper Plain helps healthcare consumers consult medical research")
    assert by_label["Table 1"].kind == "table" and by_label["Table 1"].text.startswith("Five barriers readers")
    assert {f"Figure {i}" for i in range(1, 11)} <= set(by_label)
    # the cells of Table 1 (above its caption) are not paragraphs
    assert not any(t.startswith(("Barrier", "Encountering technical jargon", "“What does this word"))
                   for t in paragraphs(acm))

    neurips = {c.label: c for c in paper("2206.10883v3").captions}
    assert neurips["Table 1"].text.startswith("Three different summaries for one case in Multi-LexSum.")
    assert neurips["Figure 1"].text == "The pipeline of creating summaries and structured data for lawsuits."


# -- references ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,low,high", [("2203.00130v1", 105, 115), ("2206.10883v3", 60, 68),
                                           ("2302.07302v1", 60, 70), ("2304.02623v1", 32, 38)])
def test_reference_list_size_and_numbering(paper, name, low, high):
    refs = paper(name).references
    assert low <= len(refs) <= high
    assert [r.number for r in refs] == list(range(1, len(refs) + 1))  # "[1]" ... "[n]", none merged or split
    assert all("\n" not in r.text and not r.text.startswith("[") for r in refs)
    assert sum(r.year is not None for r in refs) >= 0.9 * len(refs)
    assert sum(r.title is not None for r in refs) >= 0.9 * len(refs)


def test_reference_entries_title_and_year(paper):
    def ref(name: str, number: int):
        return next(r for r in paper(name).references if r.number == number)

    r = ref("2304.02623v1", 30)  # ACM style: Authors. Year. Title. Venue.
    assert (r.title, r.year) == ("Multi-LexSum: Real-World Summaries of Civil Rights Lawsuits at Multiple "
                                 "Granularities", 2022)
    assert ref("2304.02623v1", 1).title == ("What’s in a Summary? Laying the Groundwork for Advances in "
                                            "Hospital-Course Summarization")
    r = ref("2302.07302v1", 10)  # an entry running over three lines
    assert (r.title, r.year) == ("SciCo: Hierarchical Cross-Document Coreference for Scientific Concepts", 2021)
    assert r.text.startswith("Arie Cattan, Sophie Johnson") and r.text.endswith("arXiv:2104.08809 (2021).")
    r = ref("2206.10883v3", 1)  # NeurIPS style: Authors. Title. Venue, year.
    assert (r.title, r.year) == ("Longformer: The long-document transformer", 2020)
    r = ref("2206.10883v3", 3)  # 100+ authors over two pages
    assert r.title == "On the Opportunities and Risks of Foundation Models" and r.year == 2021
    r = ref("2203.00130v1", 111)  # the last one, on page 34
    assert (r.title, r.year) == ("Open access and civic scientific information literacy", 2010)


# -- helpers ---------------------------------------------------------------------------------------------------------


def test_join_lines_and_clean_text():
    assert join_lines(["new tech" + HYPHEN, "nology can"]) == "new technology can"
    assert join_lines(["state-of-the" + HYPHEN, "art models"]) == "state-of-the-art models"
    assert join_lines(["or author" + HYPHEN, "year keys"], {"author-year"}) == "or author-year keys"
    assert join_lines(["see https://example.org/", "path/x and", "more"]) == "see https://example.org/path/x and more"
    assert pdf_plain_text("ﬁne-tuning  the ﬂow of 𝑥 ²") == "fine-tuning the flow of x ²"
    # TeX's accents set as glyphs of their own (2206.10883's references; a blind walkthrough)
    assert pdf_plain_text("Wojciech Krysci ´ nski, Mustafa ˇ Suleyman, and D. Radev. ´ BookSum: na¨ıve") == \
        "Wojciech Krysciński, Mustafa Šuleyman, and D. Radev. BookSum: naïve"


def test_pdf_text_drops_the_controls_every_other_text_drops():
    """A security walkthrough: a hand-made PDF's ToUnicode map gave its text U+202E (the reader showed the rest of
    the paragraph reversed), U+009B (a terminal's CSI, written raw by `trendscope read`), DEL and isolates."""
    assert pdf_plain_text("a \u202ereversed\u202c b \x9b31m c \x7f d \u2066e\u2069 f \u200fg") == \
        "a reversed b 31m c d e f g"
    assert join_lines(["new tech" + HYPHEN, "nology"]) == "new technology"  # its own mark is kept to join lines
    assert pdf_plain_text("a\u061cb\u2060c\u202ad\u202be\u202cf\u202dg\u2067h\u2068i") == "abcdefghi"


# -- pages as images -------------------------------------------------------------------------------------------------


def test_render_page_png(pdf_dir):
    data = (pdf_dir / "2304.02623v1.pdf").read_bytes()
    png = render_page_png(data, 2, width=600)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 600 and image.height > 700  # US letter, portrait
    with pytest.raises(ValueError):
        render_page_png(data, 5)


# -- bad input -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case,kind", [
    ("html", "not_pdf"), ("empty", "not_pdf"), ("first half", "damaged"), ("last bytes cut", "damaged"),
    ("encrypted", "encrypted"), ("scanned", "no_text"),
])
def test_bad_input_raises_pdf_error(pdf_dir, case, kind):
    data = (pdf_dir / "2304.02623v1.pdf").read_bytes()
    body = {
        "html": b"<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head><body>Forbidden</body></html>",
        "empty": b"",
        "first half": data[: len(data) // 2],
        "last bytes cut": data[: len(data) - 100],
        "encrypted": encrypted(data) if case == "encrypted" else b"",
        "scanned": scanned() if case == "scanned" else b"",
    }[case]
    with pytest.raises(PdfError) as info:
        extract(body, source="arXiv 2304.02623")
    err = info.value
    assert err.kind == kind and isinstance(err, TrendscopeError)
    assert "arXiv 2304.02623" in str(err) and "\n" not in str(err)
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)  # no PDFium traceback
    if case in ("html", "first half", "encrypted"):
        with pytest.raises(PdfError):
            render_page_png(body, 1)


def test_an_interleaved_author_block_reads_names_then_affiliations_then_emails(paper):
    """A blind walkthrough: `read 2302.07302` printed the CHI paper's author block as the columns interleave it
    ("Joseph Chee Chang · Amy X. Zhang · josephc@allenai.org · Jonathan Bragg · axz@cs.uw.edu · ..."). Names come
    first, then affiliations and addresses (each once), then emails; nothing is lost. Blocks that mix a name with
    its affiliation in one piece keep their printed order."""
    block = paper("2302.07302v1").sections[0].paragraphs[1].text.split(" · ")
    assert block[:7] == ["Joseph Chee Chang", "Amy X. Zhang", "Jonathan Bragg", "Andrew Head", "Kyle Lo",
                         "Daniel S. Weld", "Doug Downey"]
    emails = [p for p in block if "@" in p]
    assert len(emails) == 7 and block[-7:] == emails
    places = block[7:-7]
    assert "University of Pennsylvania" in places and len(places) == len(set(places))
    acm = paper("2203.00130v1").sections[0].paragraphs[1].text
    assert acm.startswith("TAL AUGUST, University of Washington, USA · LUCY LU WANG, Allen Institute")
    neurips = paper("2206.10883v3").sections[0].paragraphs[1].text
    assert neurips.startswith("Zejiang Shen† · Kyle Lo† · Lauren Yu♦")


def test_author_block_pieces_are_classified_conservatively():
    from trendscope.ingest.pdf_front_matter import author_block, piece_kind

    assert piece_kind("Daniel S. Weld") == "name" and piece_kind("Ludwig van Beethoven") == "name"
    assert piece_kind("Seattle, WA, USA") == "affiliation" and piece_kind("Allen Institute for AI") == "affiliation"
    assert piece_kind("Google Research") == "affiliation" and piece_kind("danw@allenai.org") == "email"
    assert piece_kind("TAL AUGUST, University of Washington, USA") == "mixed"
    assert piece_kind("We study the problem of X") == "mixed"
    interleaved = ["Ann Lee", "ann@x.org", "Bo Chen", "University of Oslo", "bo@x.org", "University of Oslo"]
    assert author_block(interleaved) == ["Ann Lee", "Bo Chen", "University of Oslo", "ann@x.org", "bo@x.org"]
    with_text = [*interleaved, "We study the problem of X"]  # anything not an author piece: left as printed
    assert author_block(with_text) == with_text


def test_a_pdf_longer_than_any_paper_is_refused_before_reading(monkeypatch):
    """A made-up PDF of 200,000 pages within the upload limit took 111 s and 713 MB to read (an audit): past
    MAX_PAGES (1,500; here 3) it is one line naming the pages, read no further."""
    import pypdfium2 as pdfium

    from trendscope.ingest import pdf_text

    doc = pdfium.PdfDocument.new()
    for _ in range(4):
        doc.new_page(612, 792)
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    assert 500 <= pdf_text.MAX_PAGES <= 5000  # a long thesis reads, a made-up monster does not
    monkeypatch.setattr(pdf_text, "MAX_PAGES", 3)
    with pytest.raises(PdfError) as info:
        extract(buf.getvalue(), source="upload.pdf")
    assert info.value.kind == "too_long" and str(info.value) == (
        "Cannot read upload.pdf: it has 4 pages; Trendscope reads papers of up to 3.")
    assert "too_long" in pdf_text.KINDS


def test_full_text_stored_before_the_cleaning_is_cleaned_once_on_opening(tmp_path):
    """A review: passages fetched before PDF text dropped C1 controls and bidirectional overrides kept them, and
    `trendscope read` printed them raw; migration m012 cleans what is stored (its search index follows)."""
    from trendscope.ingest.fulltext_store import FulltextRecord, FulltextStore, Passage, StoredReference
    from trendscope.ingest.store import open_database

    path = tmp_path / "db.sqlite"
    db = open_database(path)
    store = FulltextStore(db)
    store.save(FulltextRecord("2405.00003", "ok", "0" * 64, 10, 1, "2026-01-01T00:00:00Z", "pdf_text/1", None),
               [Passage(0, 1, "Intro\u202e", 1, "heading", "Intro\u202e"),
                Passage(1, 1, "Intro\u202e", 1, "paragraph", "before \x9b31m after \u202ereversed \x7f text", 1),
                Passage(2, 1, "Intro\u202e", 1, "paragraph", "a clean paragraph", 1),
                Passage(3, 1, "Intro\u202e", 1, "caption", "Fig 1: a plot", 1, label="Fig\u202e 1")],
               [StoredReference(1, 1, "A. Author. Title\u2066 x\u2069.", "Title\u2066", 2020, None)])
    with db.conn:  # as an earlier release stored them
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_fulltext_controls'")
    db.conn.close()
    db = open_database(path)
    store = FulltextStore(db)
    assert [(p.heading, p.text) for p in store.passages("2405.00003")] == [
        ("Intro", "Intro"), ("Intro", "before 31m after reversed  text"), ("Intro", "a clean paragraph"),
        ("Intro", "Fig 1: a plot")]
    assert store.passages("2405.00003")[3].label == "Fig 1"
    assert [(r.text, r.title) for r in store.references("2405.00003")] == [("A. Author. Title x.", "Title")]
    assert [h.seq for h in store.search("reversed")] == [1]
    assert "\u202e" not in db.execute("SELECT group_concat(heading || text) FROM passages_fts").fetchone()[0]
