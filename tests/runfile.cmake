# The run file's one module (runfile/): every preset's run, plans reaching
# the rarer fields, a probe's and a hand-written run file written, read and
# written again byte for byte; bad run files refused with the place and rule.
ka_add_test(test_runfile
  SOURCES test_runfile.c
  SUITES roundtrip large files numbers malformed
  LIBS kassign_sim kassign_runfile)
