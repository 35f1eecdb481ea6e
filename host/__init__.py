"""The booth host: answers a visitor's question from the booth's own material only.

Pure core, no I/O: `passages` cuts a booth's texts, products, releases and documents into
cited sentence-sized passages (`pdf_text` reads a PDF's pages at upload), `index` ranks them
with Okapi BM25 per booth, `answer` quotes the best ones or declines, `evaluation` scores it
against the hand-written questions of tests/host_questions/.
"""
