// The collection port's cluster side: a runner pod's log through the API server (client-node), with the
// kubeconfig context the run uses. Everything else the driver needs goes through KubeApi.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ToolFailedError } from '../../scenarios/errors.ts';
import type { CallOptions } from '../../scenarios/ports.ts';
import type { PodLogs } from './k6-operator.driver.ts';

export class ClientNodePodLogs implements PodLogs {
  readonly #core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.#core = kc.makeApiClient(CoreV1Api);
  }

  async read(namespace: string, pod: string, container: string, options: CallOptions = {}): Promise<string> {
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      return await this.#core.readNamespacedPodLog({ name: pod, namespace, container });
    } catch (cause) {
      throw new ToolFailedError('kube-apiserver', `could not read the log of ${namespace}/${pod} (container ${container})`, {
        cause,
        hint: 'the context needs `get pods/log` in the load namespace',
      });
    }
  }
}
