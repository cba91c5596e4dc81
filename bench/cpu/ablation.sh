#!/bin/bash
# The baseline start points of the paper, matched to models/meta's number of training queries (60,575) and
# trained with its recipe (one pass, lr 1e-4, batch 32, 96-token windows), on this 2-core CPU (~47 min each
# with one thread):
#   human-schema-<ds>   the other public datasets' human-annotated training sets (leave-one-out)
#   ner-only            the entity-type part of the bundled set (NER_ONLY=1; on the bundled data it is the
#                       same set as models/meta's but for the 4 MetaIE open-label records: see docs/results.md)
# Smaller matched models do not stand in for these: at 8,000 queries (265 steps) a meta-model still answers
# nothing on its held-out queries (F1 0.0, measured in session 3).
set -e
cd "$(dirname "$0")/../.."
common="--epochs 1 --lr 1e-4 --batch-size 32 --max-length 96 --stride 24 --match-queries models/meta --threads ${THREADS:-1}"
for ds in "$@"; do
  [ -f models/human-schema-$ds/manifest.json ] || \
    metaie train --data human-except:$ds --out models/human-schema-$ds $common
done
if [ -n "$NER_ONLY" ] && [ ! -f models/ner-only/manifest.json ]; then
  metaie train --data bundled:ner --out models/ner-only $common
fi
