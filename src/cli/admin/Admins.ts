/** The topic and group administration of a target, whichever kind it is. */
import type { Target } from '../Target.js';
import { BrokerGroupAdmin } from './BrokerGroupAdmin.js';
import { BrokerTopicAdmin } from './BrokerTopicAdmin.js';
import { DataDirGroupAdmin } from './DataDirGroupAdmin.js';
import { DataDirTopicAdmin } from './DataDirTopicAdmin.js';
import type { GroupAdmin } from './GroupAdmin.js';
import type { TopicAdmin } from './TopicAdmin.js';

export function topicAdmin(target: Target): TopicAdmin {
  return target.kind === 'broker' ? new BrokerTopicAdmin(target.connection) : new DataDirTopicAdmin(target.tributary);
}

export function groupAdmin(target: Target): GroupAdmin {
  return target.kind === 'broker' ? new BrokerGroupAdmin(target.connection) : new DataDirGroupAdmin(target.tributary);
}
