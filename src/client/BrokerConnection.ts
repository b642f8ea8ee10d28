/** The embedded client's and the CLI's connection to a broker: the one the broker's channels use too (src/network). */
export {
  BrokerConnection,
  parseBrokerAddress,
  type BrokerAddress,
  type BrokerConnectionOptions,
} from '../network/BrokerConnection.js';
