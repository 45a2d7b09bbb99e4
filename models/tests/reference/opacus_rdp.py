"""Reference values for models/tests/privacy_accountant.rs, from Opacus's RDP accountant
(opacus/accountants/analysis/rdp.py: compute_rdp, get_privacy_spent; its RDPAccountant's
DEFAULT_ALPHAS; opacus/accountants/utils.py: get_noise_multiplier with accountant="rdp").

Run: pip install opacus && python3 opacus_rdp.py
The values in the test were printed by this script with Opacus main 4d0ebc8 (2025-09-16),
numpy 2.4.6 and scipy 1.17.1; the accountant's analysis is plain numpy and scipy.
"""
import warnings

from opacus.accountants import RDPAccountant
from opacus.accountants.analysis import rdp as analysis
from opacus.accountants.utils import get_noise_multiplier

warnings.simplefilter("ignore")
ORDERS = RDPAccountant.DEFAULT_ALPHAS


def spent(history, delta):
    rdp = sum(analysis.compute_rdp(q=q, noise_multiplier=s, steps=n, orders=ORDERS)
              for (s, q, n) in history)
    eps, alpha = analysis.get_privacy_spent(orders=ORDERS, rdp=rdp, delta=delta)
    return float(eps), float(alpha)


for sigma, q, steps, delta in [(1.5, 0.04, int(90 / 0.04), 1e-5), (1.0, 0.01, 1000, 1e-5),
                               (1.1, 256 / 60000, int(15 * 60000 / 256), 1e-5),
                               (0.8, 0.1, 100, 1e-6), (2.0, 1.0, 10, 1e-5),
                               (4.0, 0.001, 10000, 1e-5), (1.0, 0.5, 1, 1e-5)]:
    print("spent", sigma, q, steps, delta, repr(spent([(sigma, q, steps)], delta)))
print("spent two phases", repr(spent([(1.0, 0.01, 500), (2.0, 0.02, 300)], 1e-5)))
print("spent sigma 0", repr(spent([(0.0, 0.01, 10)], 1e-5)))
for alpha in [1.5, 2, 2.5, 10, 32, 63]:
    print("rdp q 0.01 sigma 1", alpha,
          repr(float(analysis.compute_rdp(q=0.01, noise_multiplier=1.0, steps=1, orders=float(alpha)))))
for alpha in [1.1, 3.7, 12.0]:
    print("rdp q 0.2 sigma 0.7", alpha,
          repr(float(analysis.compute_rdp(q=0.2, noise_multiplier=0.7, steps=1, orders=alpha))))
print("noise epochs 90", repr(get_noise_multiplier(target_epsilon=8, target_delta=1e-5, sample_rate=0.04,
                                                    epochs=90, accountant="rdp")))
print("noise steps 2000", repr(get_noise_multiplier(target_epsilon=8, target_delta=1e-5, sample_rate=0.04,
                                                     steps=2000, accountant="rdp")))
