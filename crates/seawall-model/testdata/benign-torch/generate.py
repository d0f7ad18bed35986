# Benign real checkpoints made with the real libraries (torch 2.5.1, transformers 4.46.3); never loaded by seawall.
import torch, torch.nn as nn, collections
from transformers import TrainingArguments, BertConfig
torch.manual_seed(0)
class TinyMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    def forward(self, x):
        return self.net(x)
m = TinyMLP()
seq = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU())
opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
loss = m(torch.randn(3, 8)).sum(); loss.backward(); opt.step()
torch.save(m.state_dict(), "/out/state_dict.pt")
torch.save(m.state_dict(), "/out/state_dict_legacy.pt", _use_new_zipfile_serialization=False)
torch.save(seq, "/out/full_sequential.pt")
torch.save({"epoch": 3, "model": m.state_dict(), "optimizer": opt.state_dict(), "rng": torch.get_rng_state(),
            "metrics": collections.OrderedDict(loss=0.1)}, "/out/checkpoint_with_optimizer.pt")
for p in (2, 3, 4, 5):
    torch.save(m.state_dict(), f"/out/state_dict_p{p}.pt", pickle_protocol=p)
args = TrainingArguments(output_dir="/tmp/x", learning_rate=3e-5, num_train_epochs=1, report_to=[])
torch.save(args, "/out/training_args.bin")
torch.save(BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37), "/out/bert_config.bin")
# transformers objects as found in real checkpoints (training_args.bin, a config object), made with
# transformers 4.46.3; TrainingArguments built without running __post_init__ (it needs accelerate).
import dataclasses, torch
from transformers import TrainingArguments, BertConfig
from transformers.trainer_utils import IntervalStrategy, SchedulerType
from transformers.training_args import OptimizerNames
ta = TrainingArguments.__new__(TrainingArguments)
for f in dataclasses.fields(TrainingArguments):
    if f.default is not dataclasses.MISSING:
        setattr(ta, f.name, f.default)
    elif f.default_factory is not dataclasses.MISSING:
        setattr(ta, f.name, f.default_factory())
ta.output_dir = "out"; ta.eval_strategy = IntervalStrategy.STEPS; ta.lr_scheduler_type = SchedulerType.COSINE
ta.optim = OptimizerNames.ADAMW_TORCH; ta.learning_rate = 3e-5
torch.save(ta, "/out/training_args.bin")
torch.save(BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37), "/out/bert_config.bin")
