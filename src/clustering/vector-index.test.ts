import { createExactIndex } from './vector-index.js';
import { vectorIndexContract } from './vector-index-contract.js';

vectorIndexContract('exact', createExactIndex, 1e-6);
