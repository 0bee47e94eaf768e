// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IMilestoneStatus} from "./interfaces/IMilestoneStatus.sol";
import {ProjectRegistry} from "./ProjectRegistry.sol";

/// @title BackgroundEscrow
/// @notice The background-IP book: each partner's pre-existing IP deposited for project use, as a
/// record (document hash, a commitment to the document's encryption key, licence terms). Ownership
/// never moves: there is no transfer. The key is released to the named beneficiary only when the
/// deposit's milestone is released, or by an arbiter's signed ruling. The owner may withdraw an
/// unreleased deposit only once the project is terminated. Deposits and withdrawals carry the
/// owner's EIP-712 signature, so anyone (the ledger) may relay them. Foreground IP lives in another
/// contract, with its own ids.
contract BackgroundEscrow is EIP712 {
    enum State {
        None,
        Deposited,
        Released,
        Withdrawn
    }

    /// @notice One background deposit.
    struct Deposit {
        uint256 projectId;
        address owner;
        address beneficiary;
        uint256 releaseMilestone;
        bytes32 documentHash;
        bytes32 keyCommitment;
        bytes32 termsHash;
        State state;
        address releasedTo;
    }

    /// @notice What the owner signs to deposit.
    struct DepositTerms {
        uint256 projectId;
        address owner;
        bytes32 documentHash;
        bytes32 keyCommitment;
        bytes32 termsHash;
        address beneficiary;
        uint256 releaseMilestone;
    }

    bytes32 private constant DEPOSIT_TYPEHASH = keccak256(
        "BackgroundDeposit(uint256 projectId,address owner,bytes32 documentHash,bytes32 keyCommitment,"
        "bytes32 termsHash,address beneficiary,uint256 releaseMilestone)"
    );
    bytes32 private constant WITHDRAW_TYPEHASH = keccak256("BackgroundWithdrawal(uint256 depositId)");
    bytes32 private constant RULING_TYPEHASH = keccak256("BackgroundRelease(uint256 depositId,address recipient)");

    // ------------------------------------------------------------------ errors

    /// @notice Only a partner of the project may deposit background IP.
    error BackgroundEscrowNotPartner(uint256 projectId, address account);
    /// @notice The signature is malformed, malleable or not the owner's.
    error BackgroundEscrowBadSignature(address owner);
    /// @notice This document is deposited in the project already.
    error BackgroundEscrowDuplicate(uint256 projectId, bytes32 documentHash);
    /// @notice Document hash and key commitment must be non-zero, and a beneficiary named.
    error BackgroundEscrowInvalidDeposit();
    /// @notice No deposit has this id.
    error BackgroundEscrowUnknownDeposit(uint256 depositId);
    /// @notice The deposit is not in the state the action needs.
    error BackgroundEscrowWrongState(uint256 depositId, State state);
    /// @notice The deposit's milestone has not been released.
    error BackgroundEscrowMilestoneNotReleased(uint256 projectId, uint256 milestoneId);
    /// @notice The owner may withdraw only once the project is terminated.
    error BackgroundEscrowProjectActive(uint256 projectId);
    /// @notice A key cannot be released to the zero address.
    error BackgroundEscrowZeroRecipient(uint256 depositId);

    // ------------------------------------------------------------------ events

    /// @notice A partner deposited background IP.
    event BackgroundDeposited(
        uint256 indexed depositId, uint256 indexed projectId, address indexed owner, bytes32 documentHash
    );
    /// @notice The key of a deposit was released to `recipient` (by milestone, or by an arbiter's ruling).
    event BackgroundReleased(
        uint256 indexed depositId, address indexed recipient, bytes32 keyCommitment, address indexed arbiter
    );
    /// @notice The owner withdrew an unreleased deposit after termination.
    event BackgroundWithdrawn(uint256 indexed depositId, address indexed owner);

    // ------------------------------------------------------------------ storage

    ProjectRegistry private immutable _registry;
    IMilestoneStatus private immutable _milestones;
    uint256 private _depositCount;
    mapping(uint256 depositId => Deposit) private _deposits;
    mapping(uint256 projectId => mapping(bytes32 documentHash => bool)) private _documents;

    // ------------------------------------------------------------------ constructor

    /// @param registry The project registry (partners, arbiters, termination).
    /// @param milestones The milestone escrow that says whether a milestone was released.
    constructor(ProjectRegistry registry, IMilestoneStatus milestones) EIP712("BackgroundEscrow", "1") {
        _registry = registry;
        _milestones = milestones;
    }

    // ------------------------------------------------------------------ writes

    /// @notice Deposit background IP with its owner's signature (anyone may relay it). The owner
    /// stays the owner for good.
    /// @return depositId The deposit's id (counting from 1; background ids are their own sequence).
    function deposit(DepositTerms calldata terms, bytes calldata ownerSignature) external returns (uint256 depositId) {
        (uint16 partnerId,) = _registry.partnerOf(terms.projectId, terms.owner);
        if (partnerId == 0) revert BackgroundEscrowNotPartner(terms.projectId, terms.owner);
        if (terms.documentHash == 0 || terms.keyCommitment == 0 || terms.beneficiary == address(0)) {
            revert BackgroundEscrowInvalidDeposit();
        }
        if (_documents[terms.projectId][terms.documentHash]) {
            revert BackgroundEscrowDuplicate(terms.projectId, terms.documentHash);
        }
        _requireOwner(terms.owner, keccak256(abi.encode(DEPOSIT_TYPEHASH, terms)), ownerSignature);
        depositId = ++_depositCount;
        _documents[terms.projectId][terms.documentHash] = true;
        _deposits[depositId] = Deposit(
            terms.projectId,
            terms.owner,
            terms.beneficiary,
            terms.releaseMilestone,
            terms.documentHash,
            terms.keyCommitment,
            terms.termsHash,
            State.Deposited,
            address(0)
        );
        emit BackgroundDeposited(depositId, terms.projectId, terms.owner, terms.documentHash);
    }

    /// @notice Release the key to the named beneficiary once the deposit's milestone is released. Anyone may call.
    function releaseOnMilestone(uint256 depositId) external {
        Deposit storage item = _held(depositId);
        if (!_milestones.isReleased(item.projectId, item.releaseMilestone)) {
            revert BackgroundEscrowMilestoneNotReleased(item.projectId, item.releaseMilestone);
        }
        _release(depositId, item, item.beneficiary, address(0));
    }

    /// @notice Release the key to `recipient` on an arbiter's signed ruling. Anyone may relay it.
    function releaseByRuling(uint256 depositId, address recipient, bytes calldata arbiterSignature) external {
        Deposit storage item = _held(depositId);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(RULING_TYPEHASH, depositId, recipient)));
        address arbiter = _registry.verifyArbiter(item.projectId, digest, arbiterSignature);
        _release(depositId, item, recipient, arbiter);
    }

    /// @notice Withdraw an unreleased deposit with its owner's signature, only after the project's termination.
    function withdraw(uint256 depositId, bytes calldata ownerSignature) external {
        Deposit storage item = _held(depositId);
        if (!_registry.isTerminated(item.projectId)) revert BackgroundEscrowProjectActive(item.projectId);
        _requireOwner(item.owner, keccak256(abi.encode(WITHDRAW_TYPEHASH, depositId)), ownerSignature);
        item.state = State.Withdrawn;
        emit BackgroundWithdrawn(depositId, item.owner);
    }

    // ------------------------------------------------------------------ views

    /// @notice A deposit (state None when unknown).
    function depositOf(uint256 depositId) external view returns (Deposit memory) {
        return _deposits[depositId];
    }

    /// @notice Number of background deposits made.
    function depositCount() external view returns (uint256) {
        return _depositCount;
    }

    // ------------------------------------------------------------------ internal

    function _held(uint256 depositId) private view returns (Deposit storage item) {
        item = _deposits[depositId];
        if (item.state == State.None) revert BackgroundEscrowUnknownDeposit(depositId);
        if (item.state != State.Deposited) revert BackgroundEscrowWrongState(depositId, item.state);
    }

    function _requireOwner(address owner, bytes32 structHash, bytes calldata signature) private view {
        (address signer, ECDSA.RecoverError failure,) = ECDSA.tryRecoverCalldata(_hashTypedDataV4(structHash), signature);
        if (failure != ECDSA.RecoverError.NoError || signer != owner) revert BackgroundEscrowBadSignature(owner);
    }

    function _release(uint256 depositId, Deposit storage item, address recipient, address arbiter) private {
        if (recipient == address(0)) revert BackgroundEscrowZeroRecipient(depositId);
        item.state = State.Released;
        item.releasedTo = recipient;
        emit BackgroundReleased(depositId, recipient, item.keyCommitment, arbiter);
    }
}
