// A rank of test/75's --standalone test: joins the group through env:// (MASTER_ADDR/PORT set by
// the launcher) and all-reduces [rank + 1, 10 * (rank + 1)].
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';

await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://', timeout: 20000 });
const rank = dist.getRank();
const t = torch.tensor([rank + 1, 10 * (rank + 1)]);
await dist.allReduce(t);
console.log(JSON.stringify({ rank, world: dist.getWorldSize(), sum: Array.from(t.dataSync() as Float32Array) }));
dist.destroyProcessGroup();
