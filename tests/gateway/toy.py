"""A small SAM template with toy handlers, written into a temporary directory, so
the gateway's behaviour is tested without depending on the real relay code.

The template uses the short YAML tags (``!Ref``, ``!Sub``, ``!GetAtt``) on
purpose: the real template uses the long form, so both get exercised."""

# ruff: noqa: E501 - the template and handler text read best unwrapped
from __future__ import annotations

from pathlib import Path

MESSAGE_TIMEOUT_S = 2

TOY_HANDLERS = """
import base64
import json
import os
import time

import boto3


def _post(event, data):
    client = boto3.client("apigatewaymanagementapi")
    client.post_to_connection(
        ConnectionId=event["requestContext"]["connectionId"], Data=json.dumps(data).encode()
    )


def authorize(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("auth") == "raise":
        raise Exception("Unauthorized")
    if query.get("auth") == "crash":
        raise RuntimeError("authorizer bug")
    effect = "Deny" if query.get("auth") == "deny" else "Allow"
    return {
        "principalId": query.get("user", "anonymous"),
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"userId": query.get("user", ""), "isAuthenticated": "true"},
    }


def connect(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("connect") == "refuse":
        return {"statusCode": 403}
    if query.get("connect") == "boom":
        raise RuntimeError("connect bug")
    boto3.client("dynamodb").put_item(
        TableName=os.environ["CONNECTIONS_TABLE"],
        Item={"connectionId": {"S": event["requestContext"]["connectionId"]}},
    )
    return {"statusCode": 200}


def disconnect(event, context):
    print("disconnected", event["requestContext"]["connectionId"])
    return {"statusCode": 200}


def message(event, context):
    return _message(event, context, "message")


def message_renamed(event, context):
    return _message(event, context, "message_renamed")


def _message(event, context, name):
    body = event["body"]
    if event.get("isBase64Encoded"):
        _post(event, {"handler": name, "binary": base64.b64decode(body).hex()})
        return {"statusCode": 200}
    request = json.loads(body) if body.startswith("{") else {"do": "echo"}
    action = request.get("do")
    if action == "boom":
        raise ValueError("boom")
    if action == "sleep":
        time.sleep(float(request.get("seconds", 60)))
    if action == "size":
        _post(event, {"handler": name, "size": len(body)})
        return {"statusCode": 200}
    if action == "event":
        _post(event, {"handler": name, "event": event})
        return {"statusCode": 200}
    if action == "env":
        _post(event, {"handler": name, "env": dict(os.environ)})
        return {"statusCode": 200}
    if action == "db":
        item = boto3.client("dynamodb").get_item(
            TableName=os.environ["CONNECTIONS_TABLE"],
            Key={"connectionId": {"S": event["requestContext"]["connectionId"]}},
        )
        _post(event, {"handler": name, "found": "Item" in item})
        return {"statusCode": 200}
    _post(event, {"handler": name, "body": body, "size": len(body)})
    return {"statusCode": 200}
"""

TOY_TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  StageName:
    Type: String
    Default: toy
  Greeting:
    Type: String
    Default: hello
Conditions:
  IsToy: !Equals [!Ref StageName, toy]
Resources:
  ItemsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: connectionId, AttributeType: S}
        - {AttributeName: groupId, AttributeType: S}
      KeySchema:
        - {AttributeName: connectionId, KeyType: HASH}
      GlobalSecondaryIndexes:
        - IndexName: groupId-index
          KeySchema: [{AttributeName: groupId, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: toy
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Api
      StageName: !Ref StageName
  Authorizer:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      Name: toy
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $connect
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Authorizer
      Target: !Join [/, [integrations, !Ref ConnectIntegration]]
  ConnectIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ConnectFn.Arn}/invocations
  DisconnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $disconnect
      Target: !Sub integrations/${DisconnectIntegration}
  DisconnectIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${DisconnectFn.Arn}/invocations
  DefaultRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $default
      Target: !Sub integrations/${DefaultIntegration}
  DefaultIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Join ['', [arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/, !GetAtt MessageFn.Arn, /invocations]]
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../code, Handler: toy.authorize, Runtime: python3.13, Timeout: 5}
  ConnectFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../code
      Handler: toy.connect
      Runtime: python3.13
      Timeout: 10
      Environment:
        Variables:
          CONNECTIONS_TABLE: !Ref ItemsTable
  DisconnectFn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../code, Handler: toy.disconnect, Runtime: python3.13, Timeout: 5}
  MessageFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../code
      Handler: HANDLER
      Runtime: python3.13
      Timeout: TIMEOUT
      MemorySize: 256
      Environment:
        Variables:
          CONNECTIONS_TABLE: !Ref ItemsTable
          TABLE_ARN: !GetAtt ItemsTable.Arn
          GREETING: !Sub '${Greeting} from ${AWS::Region} in ${AWS::AccountId} ${!Literal}'
          MODE: !If [IsToy, toy-mode, other-mode]
          DROPPED: !Ref AWS::NoValue
          FLAG: true
"""


def write_toy_api(
    root: Path, handler: str = "toy.message", timeout_s: int = MESSAGE_TIMEOUT_S
) -> Path:
    """Write ``root/code/toy.py`` and ``root/build/api.yaml``; returns the template path."""
    (root / "code").mkdir(parents=True, exist_ok=True)
    (root / "build").mkdir(parents=True, exist_ok=True)
    (root / "code" / "toy.py").write_text(TOY_HANDLERS, encoding="utf-8")
    template = root / "build" / "api.yaml"
    text = TOY_TEMPLATE.replace("HANDLER", handler).replace("TIMEOUT", str(timeout_s))
    template.write_text(text, encoding="utf-8")
    return template
