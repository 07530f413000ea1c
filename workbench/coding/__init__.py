"""People's work on excerpts: the codebook, machine suggestions with evidence, the review queue,
reviewers' actions, agreement between coders and evaluation against gold labels."""
